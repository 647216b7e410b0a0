"""The warehouse integrity sweep behind ``sohoa verify --all``, for the data-warehouse team.

Owns: the finding kinds and :class:`Finding`; :func:`check_document` (one indexed
document: its PDF present, bytes unchanged, signature; then ``integrity.check_parts``:
metadata file, signed binding, originals' bytes); :func:`run_sweep`, which checks
every indexed document and every stored document and original; the sweep's state file
(:class:`Checkpoint`), so that an interrupted sweep resumes where it stopped; and the
texts of its progress, summary and finding lines (Vietnamese, or English).

How it stays flat in memory at millions of documents:

1. the index is read in id order, a keyset page at a time; each document's PDF is read
   and hashed (several reads in flight on threads, for the disk's or S3's latency) and its
   signature validated (in a process pool: that part is CPU-bound); the keys it
   references (its PDF, the ``.json`` metadata beside it, its originals) are appended to
   the state file's ``refs`` table, which is sorted once, on disk, when phase 1 ends;
2. the store's ``documents/`` and ``originals/`` listings (``iter_keys``: sorted,
   streamed) are merged with the sorted references: a stored key nothing references is
   an ``orphan_object``; a referenced original the store lacks is a ``missing_original``.
   ``work/`` holds batch scratch and is never an orphan.

State: one SQLite file per sweep, ``$SOHOA_HOME/verify/sweep-<UTC time>.sqlite``, with
the options, the phase, the last document id (then the last key) done, the counts and
the findings so far, committed together every few seconds and on Ctrl-C. ``--resume``
takes the newest unfinished sweep of the same store, index and options; a finished sweep
is marked done (its references dropped; its findings kept as the audit record). A
running sweep holds its file's lock, so two sweeps never share one.

Nothing here prints; nothing is logged above DEBUG that names a document.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from common.fanout import chunks, ordered_map
from pipeline.run.submit import store_config
from pipeline.signing import PROBLEMS_VI, VerificationReport, verify_pdf
from reuse_index import DocumentRecord, ReuseIndex
from storage import ObjectNotFoundError, ObjectStore, StoreConfig, open_store
from warehouse import integrity
from warehouse.access import Warehouse

log = logging.getLogger(__name__)

KINDS = ("missing_object", "hash_mismatch", "signature_invalid", "signature_untrusted",
         "missing_original", "orphan_object", *integrity.KINDS)
SWEPT_PREFIXES = ("documents/", "originals/")  # in key order; work/ is scratch
STATE_DIR = "verify"
CHECKPOINT_SECONDS = 3.0
TASK_SIZE = 8  # documents per pool task: ~0.1 s of signature checks, little IPC
IO_THREADS = 8  # reads in flight in a hash-only sweep
POOL_MIN_DOCUMENTS = 200  # fewer are checked in-process: a pool takes ~2 s to start
_FLUSH_ROWS = 2000  # buffered rows written to the state file at once
_REF_PAGE = 1000  # references read back per query in the merge


# --------------------------------------------------------------------------- findings

@dataclass(frozen=True)
class Finding:
    """One thing wrong; ``to_json`` is the ``verify --all --json`` list item."""

    kind: str  # one of KINDS
    document_id: str | None  # None for an orphan: no index entry owns it
    key: str | None  # the object key concerned
    detail: str  # English, technical

    def to_json(self) -> dict[str, str | None]:
        return {"kind": self.kind, "document_id": self.document_id, "key": self.key,
                "detail": self.detail}


class StoredPdf(NamedTuple):
    """What checking one document needs from its index entry (all a worker is sent)."""

    document_id: str
    key: str | None
    sha256: str | None
    parts: integrity.Parts | None = None  # metadata, row and originals (integrity.py)

    @classmethod
    def of(cls, record: DocumentRecord) -> StoredPdf:
        return cls(record.id, record.pdf_key, record.pdf_sha256, integrity.Parts.of(record))


def check_document(store: ObjectStore, pdf: StoredPdf, *, signatures: bool,
                   trust_roots: Sequence[Path] = ()) -> list[Finding]:
    """Findings about one indexed document: its PDF gone, bytes changed, signature bad;
    its metadata file, binding and originals (``integrity.check_parts``)."""
    data, found = read_pdf(store, pdf)
    if signatures and data is not None:
        found += signature_findings(pdf, data, trust_roots)
    # the binding is read from a PDF whose bytes (and, unless --hash-only, signature) held
    return found + part_findings(store, pdf, data, signature_ok=data is not None and not found)


def part_findings(store: ObjectStore, pdf: StoredPdf, data: bytes | None, *,
                  signature_ok: bool) -> list[Finding]:
    """The metadata, binding and original checks as findings; a missing original is
    left to the listing phase (``missing_original``), which finds it once."""
    if pdf.parts is None:
        return []
    merged: dict[tuple[str, str | None], list[str]] = {}  # one finding per kind and key
    for issue in integrity.check_parts(store, pdf.parts, data, signature_ok=signature_ok):
        if issue.kind != "missing_original":
            merged.setdefault((issue.kind, issue.key), []).append(issue.detail)
    return [Finding(kind, pdf.document_id, key, "; ".join(details))
            for (kind, key), details in merged.items()]


def read_pdf(store: ObjectStore, pdf: StoredPdf) -> tuple[bytes | None, list[Finding]]:
    """The stored bytes (None when gone) and what reading them showed: ``missing_object``
    or ``hash_mismatch`` (against the index's digest and the store's own)."""
    if not pdf.key:
        return None, [Finding("missing_object", pdf.document_id, None,
                              "the index entry records no PDF key")]
    try:
        data, recorded = _bytes_and_recorded_digest(store, pdf.key)
    except ObjectNotFoundError:
        return None, [Finding("missing_object", pdf.document_id, pdf.key,
                              "the index records this PDF but the store has no such object")]
    actual = hashlib.sha256(data).hexdigest()
    differs = [f"{what} {digest}" for what, digest in
               (("the index's pdf_sha256", pdf.sha256),
                ("the digest the store recorded when writing it", recorded))
               if digest and digest != actual]
    if not differs:
        return data, []
    return data, [Finding("hash_mismatch", pdf.document_id, pdf.key,
                          f"stored bytes hash to {actual}, not " + " nor ".join(differs))]


def _bytes_and_recorded_digest(store: ObjectStore, key: str) -> tuple[bytes, str | None]:
    """The object's bytes and the SHA-256 the store recorded when writing it, from one
    read: ``_open`` is the read every backend provides (``get_bytes`` and ``verify`` are
    built on it) and it hands out both. ``stat`` then ``get_bytes`` read the local
    sidecar twice and stat the file, or cost S3 a HEAD request as well as the GET, for
    every document. (No digest recorded: None, where ``stat`` hashed the bytes itself;
    either way nothing to compare.)"""
    with store._open(key) as (stream, recorded):
        return stream.read(), recorded


def signature_findings(pdf: StoredPdf, data: bytes, trust_roots: Sequence[Path]
                       ) -> list[Finding]:
    finding = signature_finding(pdf, verify_pdf(data, trust_roots=trust_roots))
    return [finding] if finding else []


def signature_finding(pdf: StoredPdf, report: VerificationReport) -> Finding | None:
    """``signature_invalid`` (changed, broken or missing), else ``signature_untrusted``
    (intact and valid, but no configured root vouches for the signer), else nothing."""
    detail = "; ".join(report.problems)
    if not (report.intact and report.valid and report.covers_whole_file):
        return Finding("signature_invalid", pdf.document_id, pdf.key,
                       detail or "the signature does not verify")
    if not report.trusted:
        return Finding("signature_untrusted", pdf.document_id, pdf.key,
                       detail or "the signer's chain ends at no trusted root")
    return None


class Ref(NamedTuple):
    """A key an index entry points at: its ``pdf``, the ``meta`` JSON beside it, or an
    ``original``."""

    key: str
    document_id: str
    role: str


def metadata_keys(record: DocumentRecord) -> list[str]:
    """The metadata files of every version up to the index row's (warehouse/corrections.py)."""
    stem = (record.pdf_key or "")[:-len(".pdf")]
    version = integrity.row_version(record.metadata)
    return [f"{stem}.json", *(f"{stem}.v{v}.json" for v in range(2, version + 1))]


def references(record: DocumentRecord) -> list[Ref]:
    refs = []
    if record.pdf_key:
        refs.append(Ref(record.pdf_key, record.id, "pdf"))
        if record.pdf_key.endswith(".pdf"):
            refs += [Ref(key, record.id, "meta") for key in metadata_keys(record)]
    refs += [Ref(key, record.id, "original") for key in record.original_keys]
    return refs


def merge_keys(stored: Iterable[str], referenced: Iterable[Ref]
               ) -> Iterator[tuple[str, bool, list[Ref]]]:
    """Walk two sorted streams together: (key, is it stored, the references to it) for
    every key in either, in key order."""
    refs = iter(referenced)
    pending = next(refs, None)
    for key in stored:
        while pending is not None and pending.key < key:
            group, pending = _take_key(pending, refs)
            yield group[0].key, False, group
        group = []
        if pending is not None and pending.key == key:
            group, pending = _take_key(pending, refs)
        yield key, True, group
    while pending is not None:
        group, pending = _take_key(pending, refs)
        yield group[0].key, False, group


def _take_key(first: Ref, refs: Iterator[Ref]) -> tuple[list[Ref], Ref | None]:
    group = [first]
    following = next(refs, None)
    while following is not None and following.key == first.key:
        group.append(following)
        following = next(refs, None)
    return group, following


def object_findings(key: str, stored: bool, refs: list[Ref]) -> list[Finding]:
    """What one merged key says: an orphan, or originals the store lost. (A lost PDF was
    found while checking its document; a lost ``.json`` beside it is not a finding.)"""
    if stored:
        if refs:
            return []
        return [Finding("orphan_object", None, key, "no index entry references this object")]
    return [Finding("missing_original", ref.document_id, key,
                    "the document records this original but the store has no such object")
            for ref in refs if ref.role == "original"]


# --------------------------------------------------------------------------- state file

@dataclass
class SweepState:
    """The state row of a sweep's file (JSON in table ``state``)."""

    sweep_id: str
    target: str  # which store and index were swept
    signatures: bool
    started_at: str
    phase: str = "documents"  # then "objects", then "done"
    last_document_id: str | None = None
    last_key: str | None = None
    checked: int = 0
    seconds: float = 0.0  # working time over every run of this sweep

    @property
    def done(self) -> bool:
        return self.phase == "done"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refs (key TEXT NOT NULL, document_id TEXT NOT NULL,
    role TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS findings (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,
    document_id TEXT NOT NULL, key TEXT NOT NULL, detail TEXT NOT NULL,
    UNIQUE (kind, document_id, key));
"""


class SweepBusyError(Exception):
    """The state file is locked by a sweep still running."""


class Checkpoint:
    """One sweep's state file, opened for writing and locked while the sweep runs.

    Rows are buffered and written with the state row in one transaction by :meth:`save`,
    so the file always describes a prefix of the work: what it says is done, is done.
    Findings are unique per (kind, document, key): work redone after a crash between two
    saves (the commit is atomic, the Python state around it is not) adds nothing twice.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, state: SweepState) -> None:
        self.path, self.state = path, state
        self._conn = conn
        self._refs: list[Ref] = []
        self._findings: list[Finding] = []
        self._worked_before = state.seconds
        self._opened = self._saved_at = time.monotonic()

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=0)
        try:
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")  # held until closed
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            conn.close()
            raise SweepBusyError(str(path)) from exc
        return conn

    @classmethod
    def create(cls, folder: Path, *, target: str, signatures: bool) -> Checkpoint:
        folder.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        sweep_id = now.strftime("%Y%m%dT%H%M%S%fZ")
        path = folder / f"sweep-{sweep_id}.sqlite"
        conn = cls._connect(path)
        conn.executescript("BEGIN;" + _SCHEMA)
        checkpoint = cls(path, conn, SweepState(sweep_id, target, signatures, now.isoformat()))
        checkpoint.save()
        return checkpoint

    @classmethod
    def latest_unfinished(cls, folder: Path, *, target: str, signatures: bool
                          ) -> Checkpoint | None:
        """The newest unfinished sweep of ``target`` with the same options, not running."""
        for path in sorted(folder.glob("sweep-*.sqlite"), reverse=True):
            try:
                conn = cls._connect(path)
            except SweepBusyError:
                continue
            state = _read_state(conn)
            if (state is not None and not state.done and state.target == target
                    and state.signatures == signatures):
                return cls(path, conn, state)
            conn.close()
        return None

    # -- writing ---------------------------------------------------------------------------

    def document_done(self, record: DocumentRecord, findings: Sequence[Finding]) -> None:
        self._refs += references(record)
        self._findings += findings
        self.state.last_document_id = record.id
        self.state.checked += 1
        self._flush_if_full()

    def key_done(self, key: str, findings: Sequence[Finding]) -> None:
        self._findings += findings
        self.state.last_key = key
        self._flush_if_full()

    def _flush_if_full(self) -> None:
        if len(self._refs) + len(self._findings) >= _FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._refs:
            self._conn.executemany("INSERT INTO refs VALUES (?, ?, ?)", self._refs)
            self._refs.clear()
        if self._findings:
            self._conn.executemany(
                "INSERT OR IGNORE INTO findings (kind, document_id, key, detail) "
                "VALUES (?, ?, ?, ?)",
                [(f.kind, f.document_id or "", f.key or "", f.detail) for f in self._findings])
            self._findings.clear()

    def save(self) -> None:
        """Commit everything done so far, with the state that says so."""
        self.state.seconds = self._worked_before + time.monotonic() - self._opened
        self._flush()
        self._conn.execute("INSERT OR REPLACE INTO state VALUES (1, ?)",
                           (json.dumps(asdict(self.state)),))
        self._conn.commit()
        self._conn.execute("BEGIN EXCLUSIVE")
        self._saved_at = time.monotonic()

    def save_now_and_then(self) -> None:
        if time.monotonic() - self._saved_at >= CHECKPOINT_SECONDS:
            self.save()

    def findings_per_kind(self) -> dict[str, int]:
        self._flush()
        rows = dict(self._conn.execute("SELECT kind, COUNT(*) FROM findings GROUP BY kind"))
        return {kind: rows[kind] for kind in KINDS if rows.get(kind)}

    def documents_with_findings(self) -> int:
        self._flush()
        return self._conn.execute("SELECT COUNT(DISTINCT document_id) FROM findings "
                                  "WHERE document_id != ''").fetchone()[0]

    def finish(self) -> None:
        """Mark the sweep done, drop its references, and delete the unfinished sweeps of
        the same options it supersedes."""
        self.state.phase = "done"
        self._conn.execute("DELETE FROM refs")
        self.save()
        self._conn.commit()
        self._conn.execute("VACUUM")
        for path in self.path.parent.glob("sweep-*.sqlite"):
            if path.name < self.path.name and _superseded(path, self.state):
                path.unlink(missing_ok=True)

    def close(self) -> None:
        self._conn.rollback()
        self._conn.close()

    # -- reading ---------------------------------------------------------------------------

    def sort_refs(self) -> None:
        """Index the references by key: appending them as found and sorting once (an
        external sort) costs far less than keeping a B-tree sorted through random
        inserts. A document redone after a crash may appear twice: harmless."""
        self._flush()
        self._conn.execute("CREATE INDEX IF NOT EXISTS refs_by_key "
                           "ON refs (key, document_id, role)")
        self.save()

    def refs_from(self, prefix: str, after: str) -> Iterator[Ref]:
        """References under ``prefix`` with keys after ``after``, sorted, a page at a
        time (no cursor stays open across the commits of :meth:`save`)."""
        self._flush()
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # "documents/" -> "documents0"
        last: tuple[str, str, str] = (max(after, prefix), "", "")
        while True:
            rows = self._conn.execute(
                "SELECT key, document_id, role FROM refs WHERE key > ? AND key < ? AND "
                "(key, document_id, role) > (?, ?, ?) ORDER BY key, document_id, role "
                "LIMIT ?", (after, end, *last, _REF_PAGE)).fetchall()
            yield from (Ref(*row) for row in rows)
            if len(rows) < _REF_PAGE:
                return
            last = rows[-1]


def _read_state(conn: sqlite3.Connection) -> SweepState | None:
    try:
        row = conn.execute("SELECT json FROM state WHERE id = 1").fetchone()
    except sqlite3.DatabaseError:
        return None  # not a state file, or one from a crash before its first save
    return SweepState(**json.loads(row[0])) if row else None


def _superseded(path: Path, newer: SweepState) -> bool:
    try:
        conn = Checkpoint._connect(path)
    except SweepBusyError:
        return False
    try:
        state = _read_state(conn)
    finally:
        conn.close()
    return (state is not None and not state.done and state.target == newer.target
            and state.signatures == newer.signatures)


def iter_findings(path: Path) -> Iterator[Finding]:
    """A sweep's findings in the order they were found (documents by id, then keys)."""
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro",
                                            uri=True)) as conn:
        for kind, doc_id, key, detail in conn.execute(
                "SELECT kind, document_id, key, detail FROM findings ORDER BY seq"):
            yield Finding(kind, doc_id or None, key or None, detail)


# --------------------------------------------------------------------------- the sweep

@dataclass(frozen=True)
class SweepOptions:
    signatures: bool = True  # False: hashes only (``--hash-only``)
    workers: int | None = None  # signature-checking processes (None: cores; 1: in-process)


@dataclass(frozen=True)
class SweepProgress:
    done: int  # documents checked, earlier runs of a resumed sweep included
    total: int  # documents in the index
    rate: float  # documents per second in this run
    eta: float | None  # seconds left, None before the rate is known


@dataclass(frozen=True)
class SweepResult:
    state_file: Path
    resumed: bool
    signatures: bool
    checked: int  # documents checked
    ok: int  # documents with no finding
    counts: dict[str, int]  # findings per kind (kinds with none left out), KINDS order
    seconds: float  # working time, every run of a resumed sweep included

    @property
    def total_findings(self) -> int:
        return sum(self.counts.values())

    def findings(self) -> Iterator[Finding]:
        return iter_findings(self.state_file)


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep, after its checkpoint was saved: ``--resume`` goes on."""

    def __init__(self, done: int, total: int, state_file: Path) -> None:
        super().__init__()
        self.done, self.total, self.state_file = done, total, state_file


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def run_sweep(warehouse: Warehouse, options: SweepOptions, *, resume: bool = False,
              on_progress: Callable[[SweepProgress], None] | None = None,
              progress_every: float = 1.0) -> SweepResult:
    """Check every indexed document and every stored document and original.

    ``resume``: continue the newest unfinished sweep of this store and index with the
    same options (else start a new one). ``on_progress`` is called at most every
    ``progress_every`` seconds while documents are checked, and once at the end of that
    phase. Ctrl-C saves the checkpoint and raises :class:`SweepInterrupted`.
    """
    folder = warehouse.settings.home / STATE_DIR
    target = f"{warehouse.store!r} {warehouse.index.url}"
    checkpoint = None
    if resume:
        checkpoint = Checkpoint.latest_unfinished(folder, target=target,
                                                  signatures=options.signatures)
        log.info("resuming %s", checkpoint.path.name if checkpoint else "nothing: no "
                 "unfinished sweep with these options")
    resumed = checkpoint is not None
    if checkpoint is None:
        checkpoint = Checkpoint.create(folder, target=target, signatures=options.signatures)
    # the total is for the ETA only: documents indexed behind a resumed sweep are skipped
    total = max(warehouse.index.count_documents(), checkpoint.state.checked)
    pace = _Pace(on_progress, progress_every, checkpoint.state.checked, total)
    try:
        with _quiet_chain_warnings():
            if checkpoint.state.phase == "documents":
                _check_documents(warehouse, options, checkpoint, pace)
                checkpoint.state.phase = "objects"
                checkpoint.save()
            _check_objects(warehouse.store, checkpoint)
        checkpoint.finish()
        return _result(checkpoint, resumed)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            checkpoint.save()  # what is done stays done, whatever stopped the sweep
        if isinstance(exc, KeyboardInterrupt):
            raise SweepInterrupted(checkpoint.state.checked, total, checkpoint.path) from exc
        raise
    finally:
        checkpoint.close()


def _records_after(index: ReuseIndex, last_id: str | None) -> Iterator[DocumentRecord]:
    # iter_documents has no start key: a resumed sweep reads past what it did, unchecked
    for record in index.iter_documents():
        if last_id is None or record.id > last_id:
            yield record


def _check_documents(warehouse: Warehouse, options: SweepOptions, checkpoint: Checkpoint,
                     pace: _Pace) -> None:
    records = _records_after(warehouse.index, checkpoint.state.last_document_id)
    workers = options.workers or default_workers()
    few = pace.total - pace.done < POOL_MIN_DOCUMENTS  # not worth starting processes for
    if not options.signatures:
        checked = _checked_on_threads(records, warehouse)
    elif workers > 1 and not few:
        checked = _checked_in_pool(records, warehouse, workers)
    else:
        checked = ((r, check_document(warehouse.store, StoredPdf.of(r),
                                      signatures=options.signatures,
                                      trust_roots=warehouse.trust_roots)) for r in records)
    with contextlib.closing(checked):  # Ctrl-C: stop the pool now, not at garbage collection
        for record, findings in checked:
            checkpoint.document_done(record, findings)
            pace.tick()
            checkpoint.save_now_and_then()
    pace.report()


def _check_objects(store: ObjectStore, checkpoint: Checkpoint) -> None:
    checkpoint.sort_refs()
    after = checkpoint.state.last_key or ""
    for prefix in SWEPT_PREFIXES:
        stored = (key for key in store.iter_keys(prefix) if key > after)
        for key, is_stored, refs in merge_keys(stored, checkpoint.refs_from(prefix, after)):
            checkpoint.key_done(key, object_findings(key, is_stored, refs))
            checkpoint.save_now_and_then()


def _result(checkpoint: Checkpoint, resumed: bool) -> SweepResult:
    state = checkpoint.state
    return SweepResult(state_file=checkpoint.path, resumed=resumed,
                       signatures=state.signatures, checked=state.checked,
                       ok=state.checked - checkpoint.documents_with_findings(),
                       counts=checkpoint.findings_per_kind(), seconds=state.seconds)


class _Pace:
    """Progress figures for ``on_progress``, at most every ``every`` seconds."""

    def __init__(self, on_progress: Callable[[SweepProgress], None] | None, every: float,
                 done: int, total: int) -> None:
        self.on_progress, self.every = on_progress, every
        self.done, self.total, self.start_done = done, total, done
        self.started = self.shown = time.monotonic()

    def tick(self) -> None:
        self.done += 1
        if self.on_progress and time.monotonic() - self.shown >= self.every:
            self.report()

    def report(self) -> None:
        if not self.on_progress:
            return
        self.shown = time.monotonic()
        rate = (self.done - self.start_done) / max(1e-6, self.shown - self.started)
        eta = max(0, self.total - self.done) / rate if rate > 0 else None
        self.on_progress(SweepProgress(self.done, max(self.total, self.done), rate, eta))


@contextlib.contextmanager
def _quiet_chain_warnings() -> Iterator[None]:
    """pyHanko logs a warning per untrusted chain; the findings say it already, and a
    warehouse signed under an unknown root would bury the progress line in them."""
    logger = logging.getLogger("pyhanko.sign.validation.generic_cms")
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


# --------------------------------------------------------------------------- parallel work

def _checked_on_threads(records: Iterable[DocumentRecord], warehouse: Warehouse
                        ) -> Iterator[tuple[DocumentRecord, list[Finding]]]:
    """Hash-only checks: reading is the cost and waits on the disk or the network, so
    IO_THREADS reads are kept in flight (hashlib lets go of the GIL); index order kept."""
    threads = ThreadPoolExecutor(IO_THREADS, thread_name_prefix="sweep-read")
    try:
        yield from ordered_map(
            lambda record: threads.submit(check_document, warehouse.store,
                                          StoredPdf.of(record), signatures=False),
            records, window=4 * IO_THREADS)
    finally:
        threads.shutdown(wait=True, cancel_futures=True)


_worker: tuple[ObjectStore, tuple[Path, ...], ThreadPoolExecutor] | None = None


def _init_worker(config: StoreConfig, trust_roots: tuple[Path, ...]) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and saves
    logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)
    _worker = (open_store(config), trust_roots, ThreadPoolExecutor(TASK_SIZE))


def _check_task(pdfs: list[StoredPdf]) -> list[list[Finding]]:
    """A worker's task: its PDFs read at once on threads, then their signatures checked
    one by one (CPU-bound) while the later reads finish."""
    assert _worker is not None, "worker not initialised"
    store, trust_roots, threads = _worker
    results = []
    for pdf, (data, found) in zip(pdfs, threads.map(lambda p: read_pdf(store, p), pdfs),
                                  strict=True):
        if data is not None:
            found += signature_findings(pdf, data, trust_roots)
        found += part_findings(store, pdf, data, signature_ok=data is not None and not found)
        results.append(found)
    return results


def _checked_in_pool(records: Iterable[DocumentRecord], warehouse: Warehouse, workers: int
                     ) -> Iterator[tuple[DocumentRecord, list[Finding]]]:
    """Documents checked by ``workers`` processes, each reading from the store itself
    (keys go out, findings come back), yielded in index order; a bounded window."""
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
        initializer=_init_worker,
        initargs=(store_config(warehouse.settings), tuple(warehouse.trust_roots)))
    try:
        for chunk, found in ordered_map(
                lambda chunk: pool.submit(_check_task, [StoredPdf.of(r) for r in chunk]),
                chunks(records, TASK_SIZE), window=3 * workers):
            yield from zip(chunk, found, strict=True)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)



# --------------------------------------------------------------------------- texts

TEXTS = {
    "vi": {
        "progress": "Đang kiểm tra kho: {done}/{total} tài liệu ({rate:.0f} tài liệu/giây, "
                    "còn ~{eta})",
        "summary": "Kiểm tra kho{mode}: {checked} tài liệu, {ok} nguyên vẹn; {found}; "
                   "{seconds:.1f} giây.",
        "hash_only": " (chỉ mã băm, không kiểm tra chữ ký)",
        "none": "không phát hiện vấn đề nào",
        "found": "{total} phát hiện: {kinds}",
        "resumed": " Đã làm tiếp lượt kiểm tra dang dở.",
        "not_resumed": " Không có lượt kiểm tra dang dở nào nên đã kiểm tra từ đầu.",
        "interrupted": "Đã dừng kiểm tra kho ở {done}/{total} tài liệu; đã lưu điểm dừng. "
                       "Làm tiếp bằng lệnh: {command}",
        "no_document": "không có mã tài liệu",
        "kinds": {
            "missing_object": "mất tệp PDF",
            "hash_mismatch": "sai mã băm",
            "signature_invalid": "chữ ký không hợp lệ",
            "signature_untrusted": "chữ ký không được tin cậy",
            "missing_original": "mất bản gốc",
            "orphan_object": "đối tượng không thuộc tài liệu nào",
            "metadata_mismatch": "siêu dữ liệu không khớp",
            "binding_mismatch": "không khớp với bản đã ký",
            "original_changed": "bản gốc bị thay đổi",
        },
    },
    "en": {
        "progress": "Checking the warehouse: {done}/{total} documents ({rate:.0f} documents/s, "
                    "~{eta} left)",
        "summary": "Warehouse check{mode}: {checked} documents, {ok} intact; {found}; "
                   "{seconds:.1f} s.",
        "hash_only": " (hashes only, no signature check)",
        "none": "nothing wrong found",
        "found": "{total} findings: {kinds}",
        "resumed": " Resumed the unfinished sweep.",
        "not_resumed": " No unfinished sweep to resume, so it started from the beginning.",
        "interrupted": "Stopped the warehouse check at {done}/{total} documents; the "
                       "checkpoint is saved. To go on: {command}",
        "no_document": "no document id",
        "kinds": {
            "missing_object": "PDF missing",
            "hash_mismatch": "hash mismatch",
            "signature_invalid": "signature invalid",
            "signature_untrusted": "signature untrusted",
            "missing_original": "original missing",
            "orphan_object": "orphan object",
            "metadata_mismatch": "metadata mismatch",
            "binding_mismatch": "differs from what was signed",
            "original_changed": "original changed",
        },
    },
}


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def progress_line(progress: SweepProgress, lang: str) -> str:
    return TEXTS[lang]["progress"].format(done=progress.done, total=progress.total,
                                          rate=progress.rate, eta=_clock(progress.eta))


def summary_line(result: SweepResult, lang: str, *, asked_to_resume: bool = False) -> str:
    texts = TEXTS[lang]
    kinds = ", ".join(f"{texts['kinds'][kind]} {n}" for kind, n in result.counts.items())
    found = texts["found"].format(total=result.total_findings, kinds=kinds) \
        if result.counts else texts["none"]
    line = texts["summary"].format(mode="" if result.signatures else texts["hash_only"],
                                   checked=result.checked, ok=result.ok, found=found,
                                   seconds=result.seconds)
    if asked_to_resume:
        line += texts["resumed"] if result.resumed else texts["not_resumed"]
    return line


def finding_line(finding: Finding, lang: str) -> str:
    """One finding for people: what, which document, which object, the technical why
    (signature problems in Vietnamese too)."""
    texts = TEXTS[lang]
    detail = finding.detail
    if lang == "vi" and finding.kind.startswith("signature_"):
        detail = " ".join(PROBLEMS_VI.get(part.split(":", 1)[0], part)
                          for part in detail.split("; "))
    return (f"{texts['kinds'][finding.kind]}: {finding.document_id or texts['no_document']}"
            f"  {finding.key or '-'}  ({detail})")


def interrupted_line(stop: SweepInterrupted, lang: str, *, command: str) -> str:
    return TEXTS[lang]["interrupted"].format(done=stop.done, total=stop.total, command=command)
