"""The counts behind the scorecard indicators: one grouped scan of ``dossiers``.

Dossiers are counted in the month (Vietnam time, UTC+7, no daylight saving) they were
received, when that falls in ``[since, until)``. Each one's facts (see ``facts.py``) are
judged as they stood at ``until``, the end of the reporting period, so a report re-run
later gives the same figures: a dossier received on 31 October and digitized on
2 November is digitized in a report to 30 November, not in one to 31 October.

- ``digitized``: a component was digitized here or reused from the warehouse, and, when
  the procedure returns a result (``returns_result``), the result exists as a digitized
  or electronic file.
- ``reused``: at least one component was taken from the warehouse (refusals don't count).
- ``returns_result``: the procedure returns a paper (the electronic-results denominator).
- ``electronic``: of those, the result was issued as an electronic file.
- ``result_file``: of those, a file of the result exists (issued electronic, or the paper
  result digitized): what the national portal counts as an electronic result (a result
  synchronised with its file link attached, ``warehouse/scorecard.py`` profile
  ``portal-2026``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, literal_column, or_, select

from .schema import UtcDateTime, dossiers

VN_OFFSET_HOURS = 7
LONG_PERIOD = timedelta(days=62)  # SQLite: longer periods walk ix_dossiers_report whole


@dataclass(frozen=True)
class DossierCounts:
    agency: str | None
    procedure: str | None
    month: str  # YYYY-MM of receipt, Vietnam time
    received: int
    digitized: int
    reused: int
    returns_result: int
    electronic: int
    result_file: int = 0


def month_of_receipt(conn: Connection) -> Any:
    """``YYYY-MM`` of ``received_at`` in Vietnam time, in the database's own SQL."""
    return _month_label(conn, _month_key(conn))


def _month_key(conn: Connection) -> Any:
    """What dossiers are grouped by for their month: PostgreSQL, the first instant of the
    month in Vietnam time (a timestamp: cheaper per row than text); SQLite, ``YYYY-MM``.

    Constants are SQL text, not bound parameters: GROUP BY must see the very same
    expression as SELECT, and SQLite's ``ix_dossiers_report`` (migration 5) is built on
    exactly this expression; change both together."""
    if conn.dialect.name == "postgresql":
        local = func.timezone(literal_column("'Asia/Ho_Chi_Minh'"), dossiers.c.received_at)
        return func.date_trunc(literal_column("'month'"), local)
    return func.strftime(literal_column("'%Y-%m'"), dossiers.c.received_at,
                         literal_column(f"'+{VN_OFFSET_HOURS} hours'"))


def _month_label(conn: Connection, key: Any) -> Any:
    """``YYYY-MM`` from ``_month_key`` (computed once per group, not per row)."""
    if conn.dialect.name == "postgresql":
        return func.to_char(key, literal_column("'YYYY-MM'"))
    return key


def counts(conn: Connection, *, since: datetime, until: datetime,
           agency: str | None = None) -> list[DossierCounts]:
    """Counts per (agency, procedure, month), sorted by those keys (no agency or
    procedure first).

    One grouped scan. No ORDER BY: sorting the few thousand groups here lets PostgreSQL
    aggregate with a hash table instead of sorting every dossier in the period (with an
    ORDER BY on the grouping keys its planner sorts first, as a sorted aggregate gives
    that order for free); SQLite sorts every row for GROUP BY either way.
    """
    end = _bind(until)
    by_end = {name: and_(dossiers.c[name].is_not(None), dossiers.c[name] < end)
              for name in ("first_digitized_at", "first_reused_at", "result_digitized_at",
                           "result_electronic_at")}
    returns = dossiers.c.returns_result.is_(True)
    digitized = and_(or_(by_end["first_digitized_at"], by_end["first_reused_at"]),
                     or_(~returns, by_end["result_digitized_at"]))
    month = _month_key(conn)
    received: Any = dossiers.c.received_at
    if conn.dialect.name == "sqlite" and (agency is not None or until - since > LONG_PERIOD):
        # ``+column`` keeps SQLite off the received_at range index, so it walks
        # ix_dossiers_report in group order instead of sorting every dossier of the
        # period (without planner statistics it would take the range and sort)
        received = literal_column("+dossiers.received_at", type_=UtcDateTime())
    stmt = (select(dossiers.c.agency_code, dossiers.c.procedure_code,
                   _month_label(conn, month).label("month"),
                   func.count().label("received"),
                   _sum(digitized).label("digitized"),
                   _sum(by_end["first_reused_at"]).label("reused"),
                   _sum(returns).label("returns_result"),
                   _sum(and_(returns, by_end["result_electronic_at"])).label("electronic"),
                   _sum(and_(returns, by_end["result_digitized_at"])).label("result_file"))
            .where(received >= _bind(since), received < end)
            .group_by(dossiers.c.agency_code, dossiers.c.procedure_code, month))
    if agency is not None:
        stmt = stmt.where(dossiers.c.agency_code == agency)
    found = [DossierCounts(agency=agency_code, procedure=procedure_code, month=month_text,
                           received=int(n_received), digitized=int(n_digitized or 0),
                           reused=int(n_reused or 0), returns_result=int(n_returns or 0),
                           electronic=int(n_electronic or 0), result_file=int(n_file or 0))
             for (agency_code, procedure_code, month_text, n_received, n_digitized, n_reused,
                  n_returns, n_electronic, n_file) in conn.execute(stmt)]  # tuples: fast
    found.sort(key=_order)
    return found


def _order(row: DossierCounts) -> tuple[bool, str, bool, str, str]:
    return (row.agency is not None, row.agency or "", row.procedure is not None,
            row.procedure or "", row.month)


def _sum(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _bind(value: datetime) -> Any:
    return literal(value, type_=UtcDateTime())
