"""What a run makes: ``runs.yaml`` expanded into jobs per Kreis, parts of a run (``--shard``), and
the record of each notebook (:class:`Entry`, as ``run.json`` keeps it)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from helpers import kommunen as kommunen_module
from helpers.i18n import LANGUAGE_FOLDERS, t
from helpers.paths import NOTEBOOKS_DIR, read_yaml

RUN_TABLE = "runs.yaml"
MAX_SHARDS = 1000  # parts of a run (--shard I/N): more than there are briefings of all Kreise in both languages


@dataclass(frozen=True)
class Job:
    """One notebook execution: which notebook, with which parameters, into which file name."""

    notebook: str
    output: str
    parameters: dict = field(default_factory=dict)


@dataclass
class Entry:
    """One notebook of a run: what ``run.json`` records under ``notebooks`` and index.html reads."""

    output: str
    notebook: str
    parameters: dict = field(default_factory=dict)
    status: str = "failed"  # ok, skipped (reused or carried over) or failed
    error: dict | None = None  # cell, ename, evalue … of a failed notebook
    briefing: dict | None = None  # the BRIEFING payload
    key_figures: dict | None = None  # the KEY_FIGURES payload
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the worker and its kernel for this notebook (Linux; 0 elsewhere)
    input_hash: str = ""
    reused_from: str | None = None  # the run whose files were linked over
    carried_over: bool = False  # not planned in this run, kept from the latest so it stays complete
    stale: bool = False  # carried over although its data or code has changed since

    @classmethod
    def from_record(cls, record: dict) -> Entry:
        """An entry of an earlier run's run.json (keys it lacks keep their defaults)."""
        return cls(**{f.name: record[f.name] for f in fields(cls) if f.name in record})

    def record(self) -> dict:
        return asdict(self)

    def skipped(self, previous_dir: Path, **changes) -> Entry:
        """This entry of the latest run, its files linked into the new run."""
        return replace(self, status="skipped", seconds=0.0, cpu_seconds=0.0,
                       reused_from=self.reused_from or previous_dir.name, **changes)


# --- what to run ---------------------------------------------------------------------------

def plan(kommunen: list[kommunen_module.Region] | None = None, *, kreise: list[kommunen_module.Region] | None = None,
         stichtag: str | None = None, sprache: str = "de", notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Job]:
    """Expand ``runs.yaml`` into jobs, per Kreis: its rows with ``kreis=<AGS>``, and ``each: kommune``
    rows for its Gemeinden (or only the selected ``kommunen``; their Kreise then are the run's Kreise).

    One Kreis (Kreis Kleve by default) fills the run folder as always; several Kreise get a folder
    each (:func:`site_of`), laid out like a one-Kreis run.
    """
    # dict.fromkeys: "--kommune Kleve --kommune 05154036" is one job, not two writing one file
    selected = list(dict.fromkeys(kommunen or ()))
    homes = list(dict.fromkeys(kreise or [kommunen_module.region(r.kreis_ags) for r in selected]
                               or [kommunen_module.kreis()]))
    rows = read_yaml(notebooks_dir / RUN_TABLE)
    common = {"stichtag": stichtag, "sprache": sprache}
    jobs = []
    for home in homes:
        folder = (f"{home.slug}/" if len(homes) > 1 else "") + LANGUAGE_FOLDERS[sprache]  # English in en/
        members = [r for r in selected if r.kreis_ags == home.ags] if selected else kommunen_module.kommunen(home.ags)
        for row in rows:
            if row.get("each") == "kommune":
                jobs += [Job(row["notebook"], folder + row["output"].format(ags=r.ags, slug=r.slug),
                             {"kommune": r.ags, **common}) for r in members]
            else:
                jobs.append(Job(row["notebook"], folder + row["output"], {"kreis": home.ags, **common}))
    return jobs


def conflict(kommunen: list[kommunen_module.Region] | None, kreise: list[kommunen_module.Region] | None,
             every_kreis: bool, sprache: str = "de") -> str | None:
    """Why ``--kommune`` and ``--kreis`` contradict each other (None if they do not): ``--kreis all`` with
    single Kommunen, a Kommune outside the named Kreise, or a named Kreis without a named Kommune."""
    if not kommunen or not kreise:
        return None
    if every_kreis:
        return t("briefings_all_with_kommune", sprache)
    named = {k.ags: k for k in kreise}
    for place in kommunen:
        if place.kreis_ags not in named:
            im_kreis = kommunen_module.kreis_phrases(kommunen_module.region(place.kreis_ags), sprache)["im_kreis"]
            return t("briefings_kommune_outside_kreis", sprache, kommune=place.name, im_kreis=im_kreis,
                     kreise=", ".join(k.name for k in kreise))
    for home in kreise:
        if not any(place.kreis_ags == home.ags for place in kommunen):
            return t("briefings_kreis_without_kommune", sprache, kreis=home.name)
    return None


def site_of(output: str) -> str:
    """The Kreis folder a briefing belongs to in a run over several Kreise; "" in a one-Kreis run."""
    first, _, rest = output.partition("/")
    return first if rest and f"{first}/" not in LANGUAGE_FOLDERS.values() else ""


def shard_units(jobs: list[Job]) -> dict[str, list[Job]]:
    """What ``shard`` shares out: whole Kreis folders when the run has several (so each part's folders are
    complete), else single briefings."""
    found: dict[str, list[Job]] = {}
    several = len({site_of(j.output) for j in jobs}) > 1
    for job in sorted(jobs, key=lambda j: j.output):
        found.setdefault(site_of(job.output) if several else job.output, []).append(job)
    return found


def shard(jobs: list[Job], index: int, count: int) -> list[Job]:
    """Part ``index`` (1 … ``count``) of ``jobs``, the same on every machine (:func:`shard_units`); each part
    gets the next unit (largest first) while it has the fewest briefings, ties by name. A part beyond
    the number of units is empty."""
    units = shard_units(jobs)
    loads = [0] * min(count, len(units))
    mine = []
    for name in sorted(units, key=lambda n: (-len(units[n]), n)):
        part = min(range(len(loads)), key=lambda i: (loads[i], i))
        loads[part] += len(units[name])
        if part == index - 1:
            mine += units[name]
    return [job for job in jobs if job in mine]


def kreis_of(job: Job | Entry) -> str:
    """The AGS of the Kreis whose data a briefing reads (its ``kreis``, or its ``kommune``'s Kreis)."""
    parameters = job.parameters or {}
    return str(parameters.get("kreis") or parameters.get("kommune") or kommunen_module.KREIS_AGS)[:5]
