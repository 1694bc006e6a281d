"""``python -m helpers``: the command line for data and briefings.

Each command group lives in ``helpers/commands/<group>.py`` with ``configure(parser)`` and
``run(args) -> int``; this module only wires them together and maps exit codes
(0 ok, 1 a run or check failed, 2 bad arguments, 75 another run holds the lock, 130 Ctrl+C).
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_GROUPS = {
    "data": "Amtliche Daten: data/raw → data/processed bauen, prüfen, ansehen, importieren",
    "briefings": "Notebooks mit papermill ausführen und HTML-Briefings nach reports/ schreiben",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Integrationsmonitor Kreis Kleve – Daten und Briefings.",
    )
    groups = parser.add_subparsers(dest="group", metavar="{" + ",".join(COMMAND_GROUPS) + "}", required=True)
    for name, help_text in COMMAND_GROUPS.items():
        module = importlib.import_module(f"helpers.commands.{name}")
        sub = groups.add_parser(name, help=help_text, description=help_text)
        module.configure(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:  # Ctrl+C outside a briefing run (which reports it itself): no traceback
        print("Abgebrochen (Strg+C).", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
