"""What local runs did, for ``sohoa status``: each ``batch`` and ``scan`` run here writes a
small JSON summary to ``$SOHOA_HOME/runs/`` (the queue's work table only sees queued
work). Only counts, dossier codes and file names go in: the same as the batch's own
``--json`` output, kept beside the index it describes.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEEP = 200  # the newest runs kept; older files are removed


def runs_dir(home: Path) -> Path:
    return Path(home) / "runs"


def record_run(home: Path, kind: str, summary: dict[str, Any], *, target: str) -> Path | None:
    """Write one run's summary (``kind``: batch or scan); never fails the run itself."""
    folder = runs_dir(home)
    now = datetime.now(UTC)
    data = {"kind": kind, "finished_at": now.isoformat(timespec="seconds"),
            "target": target, **summary}
    path = folder / f"{now:%Y%m%dT%H%M%S%f}-{kind}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        for old in sorted(folder.glob("*.json"))[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a status nicety: the run's own output already told the user
        log.warning("cannot record the run summary: %s", exc)
        return None
    return path


def recent_runs(home: Path, limit: int = 5) -> list[dict[str, Any]]:
    """The newest runs first."""
    folder = runs_dir(home)
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.json"), reverse=True)[:limit]:
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return out
