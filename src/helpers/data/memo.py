"""The process-wide memo of loaded tables and of values computed from them.

It holds no code, only state, so ``run.warm_kernel`` keeps this one module when it drops the other
``helpers`` modules between notebooks: a Kreis's next briefing finds the tables and figures its
predecessor computed.

What an entry is keyed by, and why a later notebook may take it:

* a loaded table by its folder, name and build id (``store.load``): a new build is read afresh;
* a computed value by the frame it was computed from (the frame's identity; the entry goes with the
  frame) and a key of plain values — tuples of str, int, float, bool and None (``store.remember``
  refuses anything else). Keys do name parameters of a notebook: a Kreis (``regional``), a region's
  AGS, a Stichtag or an indicator. That is safe because every value is a pure function of its frame
  and its key — nothing else a notebook sets (language, numbering of sources, options) enters it — so
  any notebook asking for the same key of the same frame would compute exactly this value. Plain
  keys compare equal after the reset re-imports the modules; an instance of a helpers class (e.g. a
  catalogue ``Selection``) would belong to a new class and never match again.
* a parsed YAML file (``paths.read_yaml``) by its path and its bytes, a validated catalogue
  (``catalogue.load``, as plain data) by its bytes, what its validators compare against and the code
  of its schema, the region directory
  (``kommunen``) by its text, the checked boundaries (``geo``) by their file's path, time and size:
  an edited file is read anew;
* values computed by other code are dropped: ``store`` clears them when a code or catalogue file of
  the package changed since they were computed.

Frames and arrays in here are read-only (``store.read_only``); a notebook that writes into one fails
instead of changing the next notebook's figures.
"""
from __future__ import annotations

FRAMES: dict = {}  # (processed_dir, table) -> (build id, frame)
VERIFIED: dict = {}  # (processed_dir, raw_dir) -> (watched paths, their stat, build id) of a build found fresh
DERIVED: dict = {}  # id(frame) -> {plain key: value computed from that frame}
GENERATION: list = [None]  # the code stamp DERIVED was computed with
PARSED: dict = {}  # path -> (bytes, pickled result) of a YAML file read by paths.read_yaml
VALIDATED: dict = {}  # (path, schema) -> ((bytes, context, code), pickled plain result) of catalogue.load
REGIONS: dict = {}  # the region directory's text and what kommunen reads from it (names, alive, areas, regions, keys)
BOUNDARIES: dict = {}  # (path, its mtime and size, sha256, cache folder) -> checked boundaries (geo; copied out)
