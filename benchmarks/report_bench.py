"""Scorecard-report benchmark: ``sohoa report`` over N dossiers on SQLite and PostgreSQL.

Fills a fresh index (a SQLite file in ``--workdir``, a throwaway PostgreSQL database) with
N dossiers' facts (default 1,000,000; ``reuse_index/facts.py``), written straight into the
``dossiers`` table in the order they arrive, as intake writes them (raw executemany on
SQLite, COPY on PostgreSQL, values converted by the columns' own SQLAlchemy types; the
generation and load times are printed, not counted), then ``ReuseIndex.analyze`` (and on
PostgreSQL ``VACUUM (ANALYZE) dossiers``, which that leaves out). The dossiers: 30
agencies of skewed sizes, 200 procedures (60 % return a paper), received over 15 months
(October 2025 – December 2026, Vietnam time, office hours mostly, some near midnight so
UTC and Vietnam months differ), about 70 % digitized, 30 % reused, electronic results for
about half of those that return a paper, facts that come days or weeks after receipt
(into the next month), and a few code-only rows with no ``received_at`` (created by a
document or event before the dossier was known).

Then it times ``warehouse.scorecard.build_report`` (the counts query and the arithmetic) for
the year 2026 over all agencies, the year for the largest agency, and October 2026, each
``--repeat`` times (min and median), and the CLI equivalent of the year report: build plus
the table, JSON and CSV renderings, and once the HTML page (charts included). Each
report's totals and months are checked against the same counts worked out in Python from
the generated rows ("totals agree").

    .venv/bin/python benchmarks/report_bench.py [--dossiers 1000000] [--repeat 3]
        [--backends sqlite,postgresql] [--seed 1] [--workdir DIR] [--keep] [--explain]
        [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Not a test: it prints figures, with the target of the issue ("report over 1,000,000
dossiers: ≤ 5 s on SQLite and PostgreSQL") beside them, OK or MISSED (judged on the
median). ``--explain`` also prints the counts query's plan (EXPLAIN QUERY PLAN on SQLite,
EXPLAIN ANALYZE on PostgreSQL). The PostgreSQL database (random name) and the SQLite file
are removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import index_bench  # noqa: E402
from sqlalchemy import Connection, event  # noqa: E402

from reuse_index import ReuseIndex  # noqa: E402
from reuse_index.schema import dossiers  # noqa: E402
from warehouse.scorecard import (  # noqa: E402
    ReportRequest,
    build_report,
    render_csv,
    render_table,
)

TARGET_S = 5.0
VN = ZoneInfo("Asia/Ho_Chi_Minh")
VN_OFFSET_S = 7 * 3600
FIRST_DAY = date(2025, 10, 1)  # dossiers received from here (Vietnam time) ...
LAST_DAY = date(2026, 12, 31)  # ... to here: 15 months
YEAR = (date(2026, 1, 1), date(2026, 12, 31))  # the full-year report
MONTH = (date(2026, 10, 1), date(2026, 10, 31))  # the one-month report
N_AGENCIES = 30
N_PROCEDURES = 200
NONE = -1  # "no value" in the timestamp and flag arrays
LOAD_BATCH = 50_000
DAY = 86_400
HOUR = 3_600


# -- the dossiers -----------------------------------------------------------------------------


@dataclass
class Dossiers:
    """N generated dossiers, column by column (compact: 1M rows in ~60 MB).

    Timestamps are Unix seconds (UTC), ``NONE`` when absent; ``returns`` is 1, 0 or
    ``NONE`` (unknown); ``agency``/``procedure`` index ``agencies``/``procedures``
    (``NONE``: a code-only row).
    """

    agencies: list[str]
    procedures: list[str]
    agency: array = field(default_factory=lambda: array("h"))
    procedure: array = field(default_factory=lambda: array("h"))
    channel: array = field(default_factory=lambda: array("b"))
    returns: array = field(default_factory=lambda: array("b"))
    received: array = field(default_factory=lambda: array("q"))
    digitized: array = field(default_factory=lambda: array("q"))  # first_digitized_at
    reused: array = field(default_factory=lambda: array("q"))  # first_reused_at
    issued: array = field(default_factory=lambda: array("q"))  # result_issued_at
    result_digitized: array = field(default_factory=lambda: array("q"))
    electronic: array = field(default_factory=lambda: array("q"))  # result_electronic_at

    def __len__(self) -> int:
        return len(self.received)

    def arrival_order(self) -> list[int]:
        """Row numbers in the order the rows reach the index: a dossier when received, a
        code-only row with its first document or event (the table's physical order)."""
        received, digitized, reused = self.received, self.digitized, self.reused

        def arrival(i: int) -> int:
            if received[i] != NONE:
                return received[i]
            return min(t for t in (digitized[i], reused[i], 2**62) if t != NONE)

        return sorted(range(len(received)), key=arrival)

    def code(self, i: int) -> str:
        """``H12.19-261005-0001234``: agency, day received (Vietnam time), sequence."""
        received = self.received[i]
        if received == NONE:
            return f"X-{i:07d}"
        day = datetime.fromtimestamp(received + VN_OFFSET_S, UTC)
        return f"{self.agencies[self.agency[i]]}-{day:%y%m%d}-{i:07d}"


def _agencies(rng: random.Random) -> list[str]:
    provinces = rng.sample(range(10, 99), 6)
    return sorted({f"H{p}.{n:02d}" for p in provinces for n in range(1, 6)} | {"H12.19"}
                  )[:N_AGENCIES]


def _procedures(rng: random.Random) -> list[str]:
    codes: set[str] = set()
    while len(codes) < N_PROCEDURES:
        codes.add(f"{rng.choice((1, 1, 1, 2))}.{rng.randrange(100, 12000):06d}")
    return sorted(codes)


def generate(count: int, seed: int) -> Dossiers:
    """``count`` dossiers with realistic proportions (see the module docstring)."""
    rng = random.Random(seed)
    agencies, procedures = _agencies(rng), _procedures(rng)
    data = Dossiers(agencies, procedures)
    # agency sizes: skewed (a city hall handles ten times a small commune's dossiers)
    agency_weights = [1 / (1 + k) ** 0.8 for k in range(len(agencies))]
    rng.shuffle(agency_weights)
    # procedure popularity: Zipf-like; 60 % of dossiers' procedures return a paper
    popularity = [1 / (1 + k) ** 1.1 for k in range(len(procedures))]
    returns_paper = [rng.random() < 0.6 for _ in procedures]
    # each agency handles a subset of the procedures (30 to 120 of them)
    handled = []
    for _ in agencies:
        subset = rng.sample(range(len(procedures)), rng.randint(30, 120))
        weights = [popularity[p] for p in subset]
        handled.append((subset, weights))
    first = datetime.combine(FIRST_DAY, datetime.min.time(), VN).timestamp()
    days = (LAST_DAY - FIRST_DAY).days + 1
    agency_cum = _cumulative(agency_weights)
    handled_cum = [(subset, _cumulative(weights)) for subset, weights in handled]
    choose = rng.choices
    rand = rng.random
    randrange = rng.randrange
    cols = (data.agency, data.procedure, data.channel, data.returns, data.received,
            data.digitized, data.reused, data.issued, data.result_digitized, data.electronic)
    for _ in range(count):
        if rand() < 0.015:  # code-only row: a document or event came before the dossier
            at = int(first) + randrange(days * DAY)
            row = (NONE, NONE, NONE, NONE, NONE, at if rand() < 0.7 else NONE,
                   at if rand() < 0.2 else NONE, NONE, NONE, NONE)
            for col, value in zip(cols, row, strict=True):
                col.append(value)
            continue
        agency = choose(range(len(agencies)), cum_weights=agency_cum)[0]
        subset, cum = handled_cum[agency]
        procedure = choose(subset, cum_weights=cum)[0]
        day = randrange(days)
        while (FIRST_DAY.toordinal() + day) % 7 == 0 and rand() < 0.85:  # Sundays: quiet
            day = randrange(days)
        shape = rand()
        if shape < 0.03:  # late evening or just after midnight (online submissions)
            seconds = rng.choice((randrange(23 * HOUR, DAY), randrange(0, HOUR)))
        else:  # office hours, 7:30-17:00
            seconds = randrange(7 * HOUR + 1800, 17 * HOUR)
        received = int(first) + day * DAY + seconds
        returns = 1 if returns_paper[procedure] else 0
        if rand() < 0.03:
            returns = NONE  # not known
        digitized = received + _delay(rand, randrange) if rand() < 0.75 else NONE
        reused = NONE
        if rand() < 0.30:  # reuse happens at intake; online dossiers pick before submitting
            reused = received + (randrange(2 * HOUR) if rand() < 0.9 else -randrange(DAY))
        issued = result_digitized = electronic = NONE
        if returns == 1 and rand() < 0.95 or returns != 1 and rand() < 0.25:
            issued = received + randrange(2 * DAY, 20 * DAY)
            kind = rand()
            if kind < 0.5:  # electronic result (counts as digitized too, as facts.py does)
                electronic = result_digitized = issued
            elif kind < 0.85:  # paper result, digitized, sometimes days later
                result_digitized = issued + (randrange(3 * DAY) if rand() < 0.3 else 0)
        row = (agency, procedure, 1 + (rand() < 0.4) + (rand() < 0.05), returns, received,
               digitized, reused, issued, result_digitized, electronic)
        for col, value in zip(cols, row, strict=True):
            col.append(value)
    return data


def _cumulative(weights: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _delay(rand: Callable[[], float], randrange: Callable[[int], int]) -> int:
    """From receipt to the first digitized component: mostly the same hour."""
    shape = rand()
    if shape < 0.7:
        return randrange(4 * HOUR)
    if shape < 0.95:
        return randrange(DAY, 5 * DAY)
    return randrange(5 * DAY, 30 * DAY)


# -- the expected counts, worked out in Python ----------------------------------------------


@dataclass
class Expected:
    received: int = 0
    digitized: int = 0
    reused: int = 0
    returns_result: int = 0
    electronic: int = 0

    def pairs(self) -> dict[str, tuple[int, int]]:
        """Numerator and denominator of each indicator, as ``report.Tally`` pairs them."""
        return {"digitization": (self.digitized, self.received),
                "reuse": (self.reused, self.received),
                "electronic_results": (self.electronic, self.returns_result)}


def bounds(first: date, last: date) -> tuple[int, int]:
    """Whole Vietnamese days ``first``..``last`` as Unix seconds [since, until)."""
    since = datetime.combine(first, datetime.min.time(), VN)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), VN)
    return int(since.timestamp()), int(until.timestamp())


def expected(data: Dossiers, first: date, last: date, agency: str | None = None
             ) -> tuple[Expected, dict[str, Expected]]:
    """Totals and per-month tallies of a report over ``first``..``last``.

    A dossier counts when received in the period (no ``received_at``: never); each fact
    counts when it is known before the period's end; a result is only asked of dossiers
    whose procedure is known to return one (``returns`` unknown: like "no").
    """
    since, until = bounds(first, last)
    wanted = NONE if agency is None else data.agencies.index(agency)
    total, months = Expected(), {}

    def before_end(value: int) -> bool:
        return value != NONE and value < until

    for ag, received, returns, digitized, reused, result_digitized, electronic in zip(
            data.agency, data.received, data.returns, data.digitized, data.reused,
            data.result_digitized, data.electronic, strict=True):
        if received == NONE or not since <= received < until:
            continue
        if wanted != NONE and ag != wanted:
            continue
        month = datetime.fromtimestamp(received + VN_OFFSET_S, UTC).strftime("%Y-%m")
        tally = months.get(month)
        if tally is None:
            tally = months[month] = Expected()
        has_component = before_end(digitized) or before_end(reused)
        paper = returns == 1
        flags = (1, int(has_component and (not paper or before_end(result_digitized))),
                 int(before_end(reused)), int(paper), int(paper and before_end(electronic)))
        for target in (total, tally):
            target.received += flags[0]
            target.digitized += flags[1]
            target.reused += flags[2]
            target.returns_result += flags[3]
            target.electronic += flags[4]
    return total, months


def check(report: dict[str, Any], want: Expected, months: dict[str, Expected] | None,
          label: str) -> None:
    """The report's totals (and months) are the expected numerators and denominators."""
    def pairs(inds: dict[str, Any]) -> dict[str, tuple[int, int]]:
        return {k: (v["numerator"], v["denominator"]) for k, v in inds.items()
                if isinstance(v, dict)}

    got = pairs(report["total"])
    assert got == want.pairs(), f"{label}: report total {got} != expected {want.pairs()}"
    if months is not None:
        got_months = {m["month"]: pairs(m) for m in report["months"]}
        want_months = {m: t.pairs() for m, t in months.items()}
        assert got_months == want_months, f"{label}: months differ"


# -- loading ----------------------------------------------------------------------------------


def rows(data: Dossiers, dialect: Any, loaded_at: datetime) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of ``dossiers`` rows in column order, converted by the columns' types."""
    names = [column.name for column in dossiers.columns]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect)
                  for column in dossiers.columns]
    at = datetime.fromtimestamp
    convert_time = processors[names.index("received_at")] or (lambda value: value)
    convert_bool = processors[names.index("returns_result")] or (lambda value: value)
    updated = convert_time(loaded_at)

    def when(value: int) -> Any:
        return None if value == NONE else convert_time(at(value, UTC))

    assert names == ["code", "procedure_code", "agency_code", "received_at", "channel",
                     "returns_result", "updated_at", "first_digitized_at", "first_reused_at",
                     "result_issued_at", "result_digitized_at", "result_electronic_at"]
    batch: list[tuple[Any, ...]] = []
    for i in data.arrival_order():
        agency, procedure, returns = data.agency[i], data.procedure[i], data.returns[i]
        channel = data.channel[i]
        batch.append((
            data.code(i), None if procedure == NONE else data.procedures[procedure],
            None if agency == NONE else data.agencies[agency], when(data.received[i]),
            None if channel == NONE else channel,
            None if returns == NONE else convert_bool(bool(returns)), updated,
            when(data.digitized[i]), when(data.reused[i]), when(data.issued[i]),
            when(data.result_digitized[i]), when(data.electronic[i])))
        if len(batch) == LOAD_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def load(index: ReuseIndex, data: Dossiers) -> None:
    """Write every dossier into ``dossiers`` (executemany / COPY), then ANALYZE."""
    names = [column.name for column in dossiers.columns]
    engine = index._engine  # the benchmark writes below the index's API, on purpose
    loaded_at = datetime.now(UTC)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        if conn.dialect.name == "sqlite":
            conn.rollback()
            raw.execute("PRAGMA synchronous=OFF")
            statement = (f"INSERT INTO dossiers ({', '.join(names)}) "
                         f"VALUES ({', '.join('?' for _ in names)})")
            for batch in rows(data, conn.dialect, loaded_at):
                with conn.begin():
                    conn.exec_driver_sql(statement, batch)
            conn.rollback()
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            with conn.begin():
                conn.exec_driver_sql("SET synchronous_commit TO off")
            statement = f"COPY dossiers ({', '.join(names)}) FROM STDIN"
            for batch in rows(data, conn.dialect, loaded_at):
                with conn.begin(), raw.cursor() as cursor, cursor.copy(statement) as copy:
                    for row in batch:
                        copy.write_row(row)
    index.analyze()  # what an operator runs after an import (SQLite: every table)
    if index.dialect == "postgresql":  # index.analyze() leaves dossiers out on PostgreSQL
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) dossiers")  # as autovacuum would, later


# -- timing -----------------------------------------------------------------------------------


def sqlite_target(workdir: Path) -> index_bench.Target:
    return index_bench.sqlite_target(workdir, "bench-report.db")


def postgres_target(admin_url: str) -> index_bench.Target:
    return index_bench.postgres_target(admin_url, size_sql=(
        "SELECT 'dossiers ' || pg_size_pretty(pg_total_relation_size('dossiers'))"
        " || ' with its indexes'"))


def timed(call: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Seconds of each of ``repeat`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return times, result


def verdict(seconds: float) -> str:
    return f"(target ≤ {TARGET_S:g} s) {'OK' if seconds <= TARGET_S else 'MISSED'}"


def print_times(label: str, times: list[float], extra: str = "") -> None:
    median = statistics.median(times)
    print(f"{label}: min {min(times):.2f} s, median {median:.2f} s over {len(times)} "
          f"{verdict(median)}{extra}", flush=True)


def explain(index: ReuseIndex, request: ReportRequest) -> None:
    """The counts query's plan, caught as the index sends it."""
    engine = index._engine
    caught: list[tuple[str, Any]] = []

    def catch(conn: Connection, cursor: Any, statement: str, parameters: Any,
              context: Any, executemany: bool) -> None:
        if "GROUP BY" in statement:
            caught.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", catch)
    try:
        build_report(index, request)
    finally:
        event.remove(engine, "before_cursor_execute", catch)
    statement, parameters = caught[-1]
    prefix = ("EXPLAIN QUERY PLAN " if index.dialect == "sqlite"
              else "EXPLAIN (ANALYZE, BUFFERS) ")
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(prefix + statement, parameters).all()
    print("  plan: " + "\n  plan: ".join(" | ".join(str(c) for c in row) for row in plan))


def run_backend(label: str, target: index_bench.Target, data: Dossiers,
                args: argparse.Namespace) -> None:
    print(f"\n== {label} ({target.url.split('@')[-1]})", flush=True)
    with ReuseIndex(target.url) as index:
        started = time.perf_counter()
        load(index, data)
        print(f"loaded {len(data):,} dossiers and analyzed in "
              f"{time.perf_counter() - started:.1f} s (not counted); {target.size()}",
              flush=True)
        largest = max(data.agencies, key=lambda a: data.agency.count(data.agencies.index(a)))
        # the legacy profile: ``Expected.pairs`` checks its numerators and denominators
        scenarios = [("year 2026, all agencies", ReportRequest(*YEAR, profile="legacy"), None),
                     (f"year 2026, agency {largest}",
                      ReportRequest(*YEAR, agency=largest, profile="legacy"), largest),
                     ("October 2026, all agencies", ReportRequest(*MONTH, profile="legacy"), None)]
        for name, request, agency in scenarios:
            times, report = timed(lambda r=request: build_report(index, r), args.repeat)
            want, months = expected(data, request.date_from, request.date_to, agency)
            check(report, want, months, name)
            print_times(f"build_report, {name}", times,
                        f"; {want.received:,} dossiers, {len(report['rows']):,} rows")
            if args.explain:
                explain(index, request)
        end_to_end(index, scenarios[0][1], args.repeat)
    print("totals agree", flush=True)


def end_to_end(index: ReuseIndex, request: ReportRequest, repeat: int) -> None:
    """``sohoa report --format table|json|csv`` minus opening the warehouse, and html."""
    renderers: dict[str, Callable[[dict[str, Any]], str]] = {
        "table": render_table, "csv": render_csv,
        "json": lambda r: json.dumps(r, ensure_ascii=False)}
    worst: list[float] = []
    split: dict[str, list[float]] = {name: [] for name in ("build", *renderers)}
    for _ in range(repeat):
        started = time.perf_counter()
        report = build_report(index, request)
        built = time.perf_counter()
        split["build"].append(built - started)
        longest = 0.0
        for name, render in renderers.items():
            began = time.perf_counter()
            render(report)
            spent = time.perf_counter() - began
            split[name].append(spent)
            longest = max(longest, spent)
        worst.append(built - started + longest)
    parts = ", ".join(f"{name} {statistics.median(t):.2f} s" for name, t in split.items())
    print_times("end to end, year 2026 (build + the slowest of table/json/csv)", worst,
                f"; medians: {parts}")
    try:
        from warehouse.scorecard_html import render_html
    except ImportError as exc:  # matplotlib missing: not the report's business here
        print(f"html: skipped ({exc})")
        return
    report = build_report(index, request)
    started = time.perf_counter()
    page = render_html(report)
    spent = time.perf_counter() - started
    total = statistics.median(split["build"]) + spent
    print(f"end to end, year 2026, html: build + render {total:.2f} s (render {spent:.2f} s "
          f"once, {len(page) / 2**20:.1f} MiB page) {verdict(total)}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timed report")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workdir", type=Path, help="folder for the SQLite file (default: tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--explain", action="store_true", help="print the counts query's plan")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    data = generate(args.dossiers, args.seed)
    gc.freeze()
    print(f"generated {len(data):,} dossiers ({len(data.agencies)} agencies, "
          f"{len(data.procedures)} procedures, {FIRST_DAY:%m/%Y}-{LAST_DAY:%m/%Y}) in "
          f"{time.perf_counter() - started:.1f} s (not counted)", flush=True)
    want, _ = expected(data, FIRST_DAY, LAST_DAY)
    shares = ", ".join(f"{name} {num / den:.0%}" for name, (num, den) in want.pairs().items()
                       if den)
    print(f"over all 15 months: {want.received:,} received, {shares}; "
          f"{want.returns_result / max(want.received, 1):.0%} return a paper", flush=True)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sohoa-report-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for backend in args.backends.split(","):
        target = (sqlite_target(workdir) if backend == "sqlite"
                  else postgres_target(args.pg_admin_url))
        try:
            run_backend(backend, target, data, args)
        finally:
            if not args.keep:
                target.cleanup()
    if not args.keep and args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
