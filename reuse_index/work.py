"""The batch queue's work state, one row per page of a queued original (page -1: its
assembly), in the index database: what ``sohoa status`` shows and what lets a rerun or a
redelivered message skip finished work. Reached as ``ReuseIndex.work``.

States: queued → running → done | failed (for good: an unreadable page) | dead (retries
exhausted, dead-lettered). A ``done`` row never moves again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from .db import connect, transaction
from .records import WORK_STATES
from .schema import work

MAX_LIMIT = 10_000


class WorkTable:
    """Work rows of queued originals (same database as the index)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, sha256: str, *, dossier_code: str, source: str, pages_total: int) -> None:
        """Record an original's pages (and its assembly, page -1) as queued; rows that
        exist already keep their state (a re-enqueued batch redoes nothing done)."""
        now = datetime.now(UTC)
        rows = [{"sha256": sha256, "page": p, "dossier_code": dossier_code, "source": source,
                 "pages_total": pages_total, "state": "queued", "attempts": 0, "error": None,
                 "updated_at": now} for p in range(-1, pages_total)]
        with transaction(self._engine) as conn:
            have = {r[0] for r in conn.execute(select(work.c.page)
                                               .where(work.c.sha256 == sha256))}
            new = [r for r in rows if r["page"] not in have]
            if new:
                conn.execute(insert(work), new)

    def set(self, sha256: str, page: int, state: str, *, error: str | None = None) -> bool:
        """Move a work row to ``state``; ``running`` counts an attempt. Returns False when
        the row was already ``done`` (a redelivered message finds the work finished)."""
        if state not in WORK_STATES:
            raise ValueError(f"unknown work state {state!r}")
        values: dict[str, Any] = {"state": state, "updated_at": datetime.now(UTC)}
        if error is not None:
            values["error"] = error[:2000]
        if state == "running":
            values["attempts"] = work.c.attempts + 1
        with transaction(self._engine) as conn:
            result = conn.execute(update(work).where(
                work.c.sha256 == sha256, work.c.page == page, work.c.state != "done"
            ).values(values))
            return bool(result.rowcount)

    def pages_finished(self, sha256: str) -> tuple[int, int]:
        """(pages finished — done, or failed for good — , pages total) of an original."""
        with connect(self._engine) as conn:
            rows = conn.execute(select(work.c.state, work.c.pages_total).where(
                work.c.sha256 == sha256, work.c.page >= 0)).all()
        finished = sum(r[0] in ("done", "failed", "dead") for r in rows)
        return finished, (rows[0][1] if rows else 0)

    def attempts(self, sha256: str, page: int) -> tuple[str | None, int]:
        """(state, attempts) of a work row; (None, 0) when there is none."""
        with connect(self._engine) as conn:
            row = conn.execute(select(work.c.state, work.c.attempts).where(
                work.c.sha256 == sha256, work.c.page == page)).first()
        return (row[0], int(row[1])) if row else (None, 0)

    def state(self, sha256: str, page: int) -> str | None:
        with connect(self._engine) as conn:
            return conn.execute(select(work.c.state).where(
                work.c.sha256 == sha256, work.c.page == page)).scalar()

    def counts(self, *, dossier_code: str | None = None) -> dict[str, dict[str, int]]:
        """Work rows per state, for pages and for assemblies (one per original)."""
        stmt = select(work.c.state, work.c.page < 0, func.count()).group_by(
            work.c.state, work.c.page < 0)
        if dossier_code is not None:
            stmt = stmt.where(work.c.dossier_code == dossier_code)
        out = {"pages": dict.fromkeys(WORK_STATES, 0), "files": dict.fromkeys(WORK_STATES, 0)}
        with connect(self._engine) as conn:
            for state, is_file, n in conn.execute(stmt):
                out["files" if is_file else "pages"][state] = int(n)
        return out

    def problems(self, *, limit: int = 100) -> list[dict[str, Any]]:
        """Failed and dead work, newest first: dossier, file, page, error."""
        stmt = (select(work).where(work.c.state.in_(("failed", "dead")))
                .order_by(work.c.updated_at.desc()).limit(max(1, min(int(limit), MAX_LIMIT))))
        with connect(self._engine) as conn:
            return [{"dossier": r["dossier_code"], "source": r["source"],
                     "page": None if r["page"] < 0 else r["page"], "state": r["state"],
                     "attempts": r["attempts"], "error": r["error"]}
                    for r in conn.execute(stmt).mappings()]
