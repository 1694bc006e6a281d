"""The process-wide memo of loaded tables and of values computed from them.

It holds no code, only state, so ``run.warm_kernel`` keeps this one module when it drops the other
``helpers`` modules between notebooks: a Kreis's next briefing finds the tables and figures its
predecessor computed. That is safe because nothing here is keyed by a notebook's parameters —
tables by their build's id, derived values by the very frame object they came from (see
``store.load`` and ``store.derived``) — and ``store`` clears the derived values whenever the
package's code or catalogue files changed since they were computed.
"""
from __future__ import annotations

FRAMES: dict = {}  # (processed_dir, table) -> (build id, frame)
VERIFIED: dict = {}  # (processed_dir, raw_dir) -> (watched paths, their stat, build id) of a build found fresh
DERIVED: dict = {}  # id(frame) -> {key: value computed from that frame}
GENERATION: list = [None]  # the code stamp DERIVED was computed with
