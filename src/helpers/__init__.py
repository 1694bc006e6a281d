"""Integrationsmonitor Kreis Kleve helpers.

Importing the package keeps jsonschema from compiling rfc3987-syntax's 39 Lark grammars (1–4 s of CPU per
process, python-jsonschema/jsonschema#1428) when something imports it later — nbformat in a worker, a kernel
(``plotly.io.renderers``) or pytest (nbval), frictionless in ``data`` commands. jsonschema imports that package
only to check the formats "iri" and "iri-reference", which nothing here checks: nbformat and frictionless
validate without a format checker. Marked as missing, jsonschema leaves those two checks out. (Too late, and so
without effect, once jsonschema is imported.)
"""
import sys

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)
