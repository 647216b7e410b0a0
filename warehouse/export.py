"""``sohoa export``: one period of the index as Parquet files a data warehouse loads directly.

Owns the export's layout and column types (``EXPORT_FORMAT_VERSION``), the period and
agency selection, pseudonymisation and the atomic write:

- ``documents.parquet`` (digitized in the period), ``dossiers.parquet`` (received in the
  period), ``events.parquet`` (recorded in the period), and ``manifest.json`` saying what
  was exported. Periods are whole Vietnamese days (Asia/Ho_Chi_Minh), first..last
  inclusive. ``agency`` keeps the agency's documents and dossiers, and the events of any
  document or dossier of that agency (a reuse at another agency shows in both exports);
  events tied to neither (searches, account changes) are exported only without ``agency``.
- Real types: timestamps in UTC (``timestamp[us, tz=UTC]``), dates as ``date32``,
  booleans, integers; the portal metadata keys (``MaGiayTo`` ...) as their own columns.
- Rows stream from one consistent snapshot of the index (``ReuseIndex.snapshot``) into
  row groups of ``row_group_rows``; no table is ever held whole in memory.
- Pseudonymisation (Decree 13/2023/NĐ-CP) is the default: personal ID numbers become
  ``HMAC-SHA-256(key, id)`` in hex (same ID, same key → same pseudonym in every file and
  run, so the warehouse can still join and count per citizen), names become null, and
  any other stand-alone 12-digit number in text is replaced the same way. The key comes
  from ``SOHOA_EXPORT_KEY`` or a key file and never appears in the output (only a
  fingerprint). An identified export must be asked for explicitly; every export is
  recorded as an ``accessed`` event (``action: export``).
- Files are written under temporary dot-names in the output folder and renamed only when
  all three tables are complete; ``manifest.json`` comes last, so a folder with a
  manifest is a complete export. Existing files are replaced only with ``force``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Integer,
    Select,
    SmallInteger,
    exists,
    or_,
    select,
)

from common.errors import ExitCode, SohoaError
from common.vn import VN_TZ, vn_day_start
from pipeline.papers.labels import DOC_TYPES, FIELD_LABELS, METADATA_LABELS, REASON_NAMES
from reuse_index import ReuseIndex
from reuse_index.rows import clean_key, clean_owner_id, parse_date, to_json
from reuse_index.schema import UtcDateTime, documents, dossiers, events

log = logging.getLogger(__name__)

EXPORT_FORMAT_VERSION = 1  # bump when a column changes meaning or type (adding one is fine)
ROW_GROUP_ROWS = 50_000
KEY_ENV = "SOHOA_EXPORT_KEY"
MIN_KEY_BYTES = 16  # the pseudonyms are only as strong as the key: IDs are guessable
TABLES = ("documents", "dossiers", "events")
MANIFEST = "manifest.json"
FILES = tuple(f"{name}.parquet" for name in TABLES) + (MANIFEST,)
_CHUNK_ROWS = 5_000  # rows converted to Arrow at a time (Python objects stay small)
_TIMESTAMP = pa.timestamp("us", tz="UTC")


# -- errors ---------------------------------------------------------------------------------


class ExportRequestError(SohoaError):
    exit_code = ExitCode.bad_input
    message_vi = "Yêu cầu xuất dữ liệu không hợp lệ"
    message_en = "Invalid export request"
    show_detail = True


class MissingKeyError(ExportRequestError):
    message_vi = (f"Chưa có khoá bí danh hoá: đặt biến môi trường {KEY_ENV} hoặc dùng "
                  "--key-file (giữ nguyên một khoá cho mọi lần xuất). Chỉ khi được phép "
                  "xuất dữ liệu định danh mới dùng --identified.")
    message_en = (f"No pseudonymisation key: set {KEY_ENV} or use --key-file (keep the same "
                  "key for every export). Use --identified only when allowed to export "
                  "identified personal data.")
    show_detail = False


class WeakKeyError(ExportRequestError):
    message_vi = (f"Khoá bí danh hoá quá ngắn (cần ít nhất {MIN_KEY_BYTES} byte ngẫu nhiên, "
                  "ví dụ: openssl rand -hex 32)")
    message_en = (f"The pseudonymisation key is too short (at least {MIN_KEY_BYTES} random "
                  "bytes, e.g. openssl rand -hex 32)")
    show_detail = False


class OutputExistsError(SohoaError):
    exit_code = ExitCode.output_exists
    message_vi = "Thư mục đích đã có dữ liệu xuất; dùng --force để ghi đè"
    message_en = "The output folder already holds an export; use --force to replace it"
    show_detail = True


# -- keys and pseudonyms --------------------------------------------------------------------


def load_key(env: Mapping[str, str], key_file: Path | None = None) -> bytes | None:
    """The pseudonymisation key: ``key_file``'s bytes if given, else ``SOHOA_EXPORT_KEY``.

    Surrounding whitespace is stripped in both cases, so the same key text in the
    variable or in a file (with its trailing newline) gives the same pseudonyms.
    """
    if key_file is not None:
        try:
            raw = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise ExportRequestError(detail=f"{key_file}: {exc.strerror or exc}") from exc
        return raw or None
    text = env.get(KEY_ENV, "").strip()
    return text.encode() if text else None


def key_fingerprint(key: bytes) -> str:
    """Identifies the key (same key, same fingerprint) without revealing it."""
    return hashlib.sha256(b"sohoa-export-key-fingerprint\0" + key).hexdigest()[:16]


# A stand-alone 12-digit number (a personal ID) in free text. Hex neighbours do not count,
# so a hex digest or a pseudonym is never taken for an ID.
_TWELVE_DIGITS = re.compile(r"(?<![0-9A-Fa-f])[0-9]{12}(?![0-9A-Fa-f])")
_ID_KEYS = frozenset({"id", "owner_id", "MaChuGiayTo"})
_NAME_KEYS = frozenset({"name", "owner_name", "TenChuGiayTo"})


def _is_id_key(key: str) -> bool:
    return key in _ID_KEYS or key.startswith("so_dinh_danh")


def _is_name_key(key: str) -> bool:
    return key in _NAME_KEYS or key.startswith("ho_ten")


class Pseudonymiser:
    """Replaces personal ID numbers by ``HMAC-SHA-256(key, id)`` (hex) and drops names.

    In JSON (fields, metadata, event details), at any depth: keys ``id``, ``owner_id``,
    ``MaChuGiayTo`` and ``so_dinh_danh*`` are pseudonymised; ``name``, ``owner_name``,
    ``TenChuGiayTo`` and ``ho_ten*`` become null (with their confidence and review notes,
    which can quote the name); every other string has its 12-digit numbers pseudonymised.
    """

    ID_COLUMNS = ("owner_id", "MaChuGiayTo")
    NAME_COLUMNS = ("owner_name", "TenChuGiayTo")

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise WeakKeyError()
        self._key = key
        self.fingerprint = key_fingerprint(key)

    def id(self, value: Any) -> str | None:
        """The pseudonym of a personal ID (whitespace ignored, as the index stores it)."""
        if value is None:
            return None
        cleaned = clean_owner_id(str(value))
        if cleaned is None:
            return None
        return hmac.new(self._key, cleaned.encode(), hashlib.sha256).hexdigest()

    def text(self, value: str | None) -> str | None:
        """Free text with every stand-alone 12-digit number pseudonymised."""
        if value is None or not _TWELVE_DIGITS.search(value):
            return value
        return _TWELVE_DIGITS.sub(lambda m: self.id(m.group()) or "", value)

    def json(self, value: Any) -> Any:
        """A JSON value (dict/list/str/...) with IDs pseudonymised and names dropped."""
        if isinstance(value, dict):
            if _is_name_key(str(value.get("field", ""))):  # a name's correction (SuaDoi,
                # a ``corrected`` event): its old and new values are names
                value = {k: None if k in ("old", "new") else v for k, v in value.items()}
            return {k: self._member(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def _member(self, key: str, value: Any) -> Any:
        if _is_name_key(key):
            return None
        if _is_id_key(key):
            if isinstance(value, dict):  # a field: {"value": ..., "confidence": ...}
                return {k: self.id(v) if k == "value" else self.json(v)
                        for k, v in value.items() if k != "reasons"}  # notes quote it
            return self.id(value) if isinstance(value, str | int) else self.json(value)
        return self.json(value)


def _pseudonymiser(pseudonymise: bool, key: bytes | None) -> Pseudonymiser | None:
    if not pseudonymise:
        return None
    if not key:
        raise MissingKeyError()
    return Pseudonymiser(key)


# -- columns --------------------------------------------------------------------------------


def _arrow_type(column: Column[Any]) -> pa.DataType:
    """The Parquet type of an index column (unknown types become text)."""
    kind = column.type
    if isinstance(kind, UtcDateTime):
        return _TIMESTAMP
    if isinstance(kind, Date):
        return pa.date32()
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, SmallInteger):
        return pa.int16()
    if isinstance(kind, BigInteger):
        return pa.int64()
    if isinstance(kind, Integer):
        return pa.int32()
    return pa.string()


# The portal's metadata keys (shared/DESIGN.md, "Stored metadata") and their types.
METADATA_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("MaGiayTo", pa.string()), ("TenGiayTo", pa.string()), ("SoKyHieu", pa.string()),
    ("TrichYeuNoiDung", pa.string()), ("NgayCap", pa.date32()),
    ("ThoiHanHieuLuc", pa.date32()), ("PhamViHieuLuc", pa.string()),
    ("MaCoQuan", pa.string()), ("TenCoQuan", pa.string()),
    ("LoaiDinhDanhCHS", pa.string()), ("MaChuGiayTo", pa.string()),
    ("TenChuGiayTo", pa.string()), ("NgaySoHoa", _TIMESTAMP), ("MaHoSo", pa.string()),
    ("MaTTHC", pa.string()), ("MaThanhPhanHoSo", pa.string()),
    ("CoQuanBanHanh", pa.string()), ("DuocSoHoa", pa.bool_()),
    ("DuocTaiSuDung", pa.bool_()),
)
DOCUMENT_BASE_COLUMNS = ("id", "doc_type", "owner_id", "owner_name", "birth_date",
                         "valid_until", "dossier_code", "procedure_code", "agency_code",
                         "digitized_at", "signed", "pages", "pdf_key", "pdf_sha256")
EVENT_BASE_COLUMNS = ("id", "kind", "at", "document_id", "dossier_code", "actor")


def _schema(columns: list[tuple[str, pa.DataType]], *, pseudonymised: bool) -> pa.Schema:
    # a portal-metadata column carries its Vietnamese name (what a BI tool shows people)
    fields = [pa.field(name, kind, metadata={"label": METADATA_LABELS[name]}
                       if name in METADATA_LABELS else None) for name, kind in columns]
    return pa.schema(fields, metadata={
        "sohoa_export_format": str(EXPORT_FORMAT_VERSION),
        "sohoa_pseudonymised": "true" if pseudonymised else "false"})


def documents_schema(*, pseudonymised: bool = True) -> pa.Schema:
    columns = [(name, _arrow_type(documents.c[name])) for name in DOCUMENT_BASE_COLUMNS]
    columns += list(METADATA_COLUMNS)
    columns += [("original_sha256s", pa.list_(pa.string())), ("fields_json", pa.string()),
                ("needs_review", pa.list_(pa.string())), ("metadata_json", pa.string())]
    return _schema(columns, pseudonymised=pseudonymised)


def dossiers_schema(*, pseudonymised: bool = True) -> pa.Schema:
    """Every column the dossiers table has (new ones follow without a code change)."""
    return _schema([(c.name, _arrow_type(c)) for c in dossiers.columns],
                   pseudonymised=pseudonymised)


def events_schema(*, pseudonymised: bool = True) -> pa.Schema:
    columns = [(name, _arrow_type(events.c[name])) for name in EVENT_BASE_COLUMNS]
    columns += [("action", pa.string()), ("detail_json", pa.string())]
    return _schema(columns, pseudonymised=pseudonymised)


# -- values ---------------------------------------------------------------------------------


def _nfc(value: str) -> str:
    return value if unicodedata.is_normalized("NFC", value) else \
        unicodedata.normalize("NFC", value)


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _nfc(value)
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return to_json(value)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _as_timestamp(value: Any) -> datetime | None:
    """An ISO datetime; one without an offset is taken as Vietnamese time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return moment.astimezone(UTC)


_CONVERT: dict[pa.DataType, Callable[[Any], Any]] = {
    pa.string(): _as_text, pa.date32(): parse_date, pa.bool_(): _as_bool,
    _TIMESTAMP: _as_timestamp}


def _needs_review(fields: Mapping[str, Any]) -> list[str]:
    return sorted(k for k, v in fields.items() if isinstance(v, dict) and v.get("needs_review"))


class _Rows:
    """Turns index rows into export rows, pseudonymising when a ``Pseudonymiser`` is set."""

    def __init__(self, pseudo: Pseudonymiser | None) -> None:
        self.pseudo = pseudo

    def _text(self, value: Any) -> str | None:
        text = _as_text(value)
        return self.pseudo.text(text) if self.pseudo and text else text

    def _json_text(self, stored: str) -> str:
        if self.pseudo is None:
            return _nfc(stored)
        return to_json(self.pseudo.json(json.loads(stored)))

    def document(self, row: Mapping[str, Any]) -> dict[str, Any]:
        fields = json.loads(row["fields_json"])
        meta = json.loads(row["metadata_json"])
        if self.pseudo is not None:
            meta = self.pseudo.json(meta)
        out = {name: self._text(row[name]) if isinstance(row[name], str) else row[name]
               for name in DOCUMENT_BASE_COLUMNS}
        if self.pseudo is not None:
            out["owner_id"] = self.pseudo.id(row["owner_id"])
            out["owner_name"] = None
        for name, kind in METADATA_COLUMNS:
            out[name] = _CONVERT[kind](meta.get(name))
        out["original_sha256s"] = json.loads(row["original_sha256s_json"])
        out["fields_json"] = self._json_text(row["fields_json"])
        out["needs_review"] = _needs_review(fields)
        out["metadata_json"] = to_json(meta)
        return out

    def dossier(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {k: self._text(v) if isinstance(v, str) else v for k, v in row.items()}

    def event(self, row: Mapping[str, Any]) -> dict[str, Any]:
        detail = json.loads(row["detail_json"])
        action = detail.get("action") if isinstance(detail, dict) else None
        out = {name: self._text(row[name]) if isinstance(row[name], str) else row[name]
               for name in EVENT_BASE_COLUMNS}
        out["action"] = self._text(action) if isinstance(action, str) else None
        out["detail_json"] = self._json_text(row["detail_json"])
        return out


# -- selection ------------------------------------------------------------------------------


def day_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """Whole Vietnamese days ``first_day``..``last_day`` (inclusive) as UTC [since, until)."""
    if first_day > last_day:
        raise ExportRequestError(detail=f"--from {first_day} sau --to {last_day}")
    if first_day.year < 1900 or last_day.year > 9000:
        raise ExportRequestError(detail=f"--from/--to ngoài khoảng 1900-9000: {first_day}, "
                                        f"{last_day}")
    since = vn_day_start(first_day).astimezone(UTC)
    until = vn_day_start(last_day + timedelta(days=1)).astimezone(UTC)
    return since, until


def documents_query(since: datetime, until: datetime, agency: str | None) -> Select[Any]:
    stmt = select(documents).where(documents.c.digitized_at >= since,
                                   documents.c.digitized_at < until)
    if agency is not None:
        stmt = stmt.where(documents.c.agency_code == agency)
    return stmt.order_by(documents.c.digitized_at, documents.c.id)


def dossiers_query(since: datetime, until: datetime, agency: str | None) -> Select[Any]:
    stmt = select(dossiers).where(dossiers.c.received_at >= since,
                                  dossiers.c.received_at < until)
    if agency is not None:
        stmt = stmt.where(dossiers.c.agency_code == agency)
    return stmt.order_by(dossiers.c.received_at, dossiers.c.code)


def events_query(since: datetime, until: datetime, agency: str | None) -> Select[Any]:
    """Events in the period, in the order recorded; with ``agency``, those of a document
    or a dossier of that agency (whenever the document was digitized or the dossier
    received: an access this quarter to last year's paper is this quarter's audit)."""
    stmt = select(events).where(events.c.at >= since, events.c.at < until)
    if agency is not None:
        stmt = stmt.where(or_(
            exists().where(documents.c.id == events.c.document_id,
                           documents.c.agency_code == agency),
            exists().where(dossiers.c.code == events.c.dossier_code,
                           dossiers.c.agency_code == agency)))
    return stmt.order_by(events.c.id)


# -- writing --------------------------------------------------------------------------------

Progress = Callable[[str, int], None]


def _stream(conn: Connection, stmt: Select[Any], chunk: int) -> Iterator[list[Any]]:
    """The statement's rows ``chunk`` at a time (a server-side cursor on PostgreSQL)."""
    result = conn.execute(stmt.execution_options(yield_per=chunk))
    yield from result.mappings().partitions(chunk)


def _row_groups(conn: Connection, stmt: Select[Any],
                convert: Callable[[Mapping[str, Any]], dict[str, Any]], schema: pa.Schema,
                row_group_rows: int) -> Iterator[pa.Table]:
    """The statement's rows, converted, as tables of exactly ``row_group_rows`` rows (the
    last one shorter); only one row group is held in memory, as Arrow data."""
    chunk = min(_CHUNK_ROWS, row_group_rows)
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    for rows in _stream(conn, stmt, chunk):
        converted = [convert(row) for row in rows]
        columns = {f.name: [r[f.name] for r in converted] for f in schema}
        pending.append(pa.RecordBatch.from_pydict(columns, schema=schema))
        pending_rows += len(converted)
        if pending_rows >= row_group_rows:
            table = pa.Table.from_batches(pending, schema)
            yield table.slice(0, row_group_rows)
            rest = table.slice(row_group_rows)
            pending, pending_rows = rest.to_batches(), rest.num_rows
    if pending_rows:
        yield pa.Table.from_batches(pending, schema)


def _write_table(conn: Connection, *, name: str, stmt: Select[Any],
                 convert: Callable[[Mapping[str, Any]], dict[str, Any]], schema: pa.Schema,
                 path: Path, row_group_rows: int, on_progress: Progress | None) -> int:
    """Stream ``stmt`` into a Parquet file at ``path``; return the number of rows."""
    written = 0
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for group in _row_groups(conn, stmt, convert, schema, row_group_rows):
            writer.write_table(group, row_group_size=row_group_rows)
            written += group.num_rows
            if on_progress is not None:
                on_progress(name, written)
    return written


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_path(out_dir: Path, name: str) -> Path:
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
    os.close(fd)
    return Path(temp)


def _sohoa_version() -> str:
    try:
        return importlib_metadata.version("sohoa")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


# -- the export -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSummary:
    """What one export wrote: files by table (and ``manifest``), rows by table, time."""

    out_dir: Path
    files: dict[str, Path]
    rows: dict[str, int]
    seconds: float
    pseudonymised: bool
    key_fingerprint: str | None
    manifest: dict[str, Any] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"out_dir": str(self.out_dir),
                "files": {k: str(v) for k, v in self.files.items()},
                "rows": dict(self.rows), "seconds": round(self.seconds, 3),
                "pseudonymised": self.pseudonymised, "key_fingerprint": self.key_fingerprint}


def _pseudonymisation_note(pseudo: Pseudonymiser | None) -> dict[str, Any] | None:
    if pseudo is None:
        return None
    return {
        "method": "HMAC-SHA-256(key, ID number without whitespace), lowercase hex",
        "key_fingerprint": pseudo.fingerprint,
        "id_columns": ["documents.owner_id", "documents.MaChuGiayTo"],
        "id_json_keys": ["id", "owner_id", "MaChuGiayTo", "so_dinh_danh*"],
        "names": "null",
        "name_columns": ["documents.owner_name", "documents.TenChuGiayTo"],
        "name_json_keys": ["name", "owner_name", "TenChuGiayTo", "ho_ten*"],
        "free_text": "stand-alone 12-digit numbers replaced by their pseudonym",
        "kept": "birth dates, addresses and other fields; officers' user names (actor)",
    }


def export(index: ReuseIndex, *, first_day: date, last_day: date, out_dir: Path,
           agency: str | None = None, pseudonymise: bool = True, key: bytes | None = None,
           force: bool = False, actor: str | None = None,
           row_group_rows: int = ROW_GROUP_ROWS,
           on_progress: Progress | None = None) -> ExportSummary:
    """Export documents, dossiers and events of ``first_day``..``last_day`` to ``out_dir``.

    ``pseudonymise`` (default) needs ``key`` (see ``load_key``): ``MissingKeyError``
    without one, ``WeakKeyError`` when it is too short. Existing export files in
    ``out_dir`` raise ``OutputExistsError`` unless ``force``. ``on_progress(table, rows)``
    is called after each row group. The export is recorded as an ``accessed`` event.
    """
    if row_group_rows < 1:
        raise ValueError("row_group_rows must be at least 1")
    since, until, pseudo, agency, out_dir = _prepare(first_day, last_day, pseudonymise, key,
                                                     agency, out_dir)
    _check_free(out_dir, force)
    started = time.monotonic()
    index_version = index.schema_version()
    convert = _Rows(pseudo)
    plan = (("documents", documents_query, convert.document, documents_schema),
            ("dossiers", dossiers_query, convert.dossier, dossiers_schema),
            ("events", events_query, convert.event, events_schema))
    temps: dict[str, Path] = {}
    try:
        rows: dict[str, int] = {}
        with index.snapshot() as conn:
            for name, query, to_row, schema in plan:
                temps[name] = _temp_path(out_dir, name)
                rows[name] = _write_table(
                    conn, name=name, stmt=query(since, until, agency), convert=to_row,
                    schema=schema(pseudonymised=pseudo is not None), path=temps[name],
                    row_group_rows=row_group_rows, on_progress=on_progress)
        tables = {name: {"file": f"{name}.parquet", "rows": rows[name],
                         "bytes": temps[name].stat().st_size,
                         "sha256": _sha256_file(temps[name])} for name in TABLES}
        manifest = {
            "format": "sohoa-export", "schema_version": EXPORT_FORMAT_VERSION,
            "index_schema_version": index_version, "sohoa_version": _sohoa_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "period": {"from": first_day.isoformat(), "to": last_day.isoformat(),
                       "timezone": "Asia/Ho_Chi_Minh", "since_utc": since.isoformat(),
                       "until_utc_exclusive": until.isoformat()},
            "agency": agency,
            "selection": {
                "documents": "digitized_at in the period (and agency_code = agency)",
                "dossiers": "received_at in the period (and agency_code = agency)",
                "events": "at in the period (and, with an agency, the event's document "
                          "or dossier belongs to that agency)"},
            "pseudonymised": pseudo is not None,
            "key_fingerprint": pseudo.fingerprint if pseudo else None,
            "pseudonymisation": _pseudonymisation_note(pseudo),
            "tables": tables,
            # the Vietnamese names of the keys and codes in the tables and their JSON
            "labels": {"doc_type": DOC_TYPES, "fields": FIELD_LABELS,
                       "metadata": METADATA_LABELS, "reasons": REASON_NAMES},
        }
        temps[MANIFEST] = _temp_path(out_dir, MANIFEST)
        temps[MANIFEST].write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                   encoding="utf-8")
        files = _publish(out_dir, temps, force=force)
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
    seconds = time.monotonic() - started
    index.record_event("accessed", actor=actor, detail={
        "action": "export", "from": first_day.isoformat(), "to": last_day.isoformat(),
        "agency": agency, "pseudonymised": pseudo is not None, "rows": rows})
    log.info("exported %s to %s in %.1f s", rows, out_dir, seconds)
    return ExportSummary(out_dir=out_dir, files=files, rows=rows, seconds=seconds,
                         pseudonymised=pseudo is not None,
                         key_fingerprint=pseudo.fingerprint if pseudo else None,
                         manifest=manifest)


def _check_free(out_dir: Path, force: bool) -> None:
    if force:
        return
    taken = [name for name in FILES if (out_dir / name).exists()]
    if taken:
        raise OutputExistsError(detail=f"{out_dir}: {', '.join(taken)}")


def _publish(out_dir: Path, temps: dict[str, Path], *, force: bool) -> dict[str, Path]:
    """Rename the complete files into place, the manifest last (and any old one first)."""
    _check_free(out_dir, force)  # again: another export may have finished meanwhile
    for temp in temps.values():
        _fsync(temp)
    (out_dir / MANIFEST).unlink(missing_ok=True)
    files: dict[str, Path] = {}
    for name in (*TABLES, MANIFEST):
        final = out_dir / (MANIFEST if name == MANIFEST else f"{name}.parquet")
        os.replace(temps[name], final)
        files[name] = final
    with contextlib.suppress(OSError):  # some filesystems cannot fsync a directory
        _fsync(out_dir)
    return files


# -- the portal's exchange format ------------------------------------------------------------

PORTAL_FILE = "portal-dossiers.json"


def export_portal(index: ReuseIndex, *, first_day: date, last_day: date, out_dir: Path,
                  agency: str | None = None, pseudonymise: bool = True,
                  key: bytes | None = None, force: bool = False,
                  actor: str | None = None) -> ExportSummary:
    """The dossiers received ``first_day``..``last_day`` as the national portal exchanges
    them (``warehouse/portal.py``), one JSON file ``portal-dossiers.json``: an extension
    of the export, our stored metadata unchanged. Pseudonymised like the Parquet export
    unless ``pseudonymise`` is off (the real exchange needs the identified records)."""
    from warehouse.portal import PORTAL_FORMAT_VERSION, dossier_records

    since, until, pseudo, agency, out_dir = _prepare(first_day, last_day, pseudonymise, key,
                                                     agency, out_dir)
    final = out_dir / PORTAL_FILE
    if final.exists() and not force:
        raise OutputExistsError(detail=str(final))
    started = time.monotonic()
    records = dossier_records(index, first_day=first_day, last_day=last_day, agency=agency)
    if pseudo is not None:
        records = [_pseudonymised_portal(pseudo, r) for r in records]
    body = {"format": "sohoa-portal-dossiers", "schema_version": PORTAL_FORMAT_VERSION,
            "schema": "warehouse/data/portal-dossier.schema.json",
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "period": {"from": first_day.isoformat(), "to": last_day.isoformat(),
                       "timezone": "Asia/Ho_Chi_Minh", "since_utc": since.isoformat(),
                       "until_utc_exclusive": until.isoformat()},
            "agency": agency, "pseudonymised": pseudo is not None,
            "key_fingerprint": pseudo.fingerprint if pseudo else None,
            "HoSo": records}
    temp = _temp_path(out_dir, PORTAL_FILE)
    try:
        temp.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        _fsync(temp)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    rows = {"portal": len(records)}
    index.record_event("accessed", actor=actor, detail={
        "action": "export", "format": "portal", "from": first_day.isoformat(),
        "to": last_day.isoformat(), "agency": agency, "pseudonymised": pseudo is not None,
        "rows": rows})
    return ExportSummary(out_dir=out_dir, files={"portal": final}, rows=rows,
                         seconds=time.monotonic() - started, pseudonymised=pseudo is not None,
                         key_fingerprint=pseudo.fingerprint if pseudo else None,
                         manifest=body)


def _pseudonymised_portal(pseudo: Pseudonymiser, record: dict[str, Any]) -> dict[str, Any]:
    """A portal record with owners' ID numbers pseudonymised and names dropped (the
    9-digit ID card numbers too, which free-text rules would miss)."""
    out = pseudo.json(record)
    for owner, original in zip(out.get("DinhDanhCHS", []), record.get("DinhDanhCHS", []),
                               strict=True):
        owner["SoDinhDanh"] = pseudo.id(original["SoDinhDanh"])
    return out


__all__ = ["EXPORT_FORMAT_VERSION", "KEY_ENV", "PORTAL_FILE", "ExportRequestError",
           "ExportSummary", "MissingKeyError", "OutputExistsError", "Pseudonymiser",
           "WeakKeyError", "day_bounds", "export", "export_portal", "key_fingerprint",
           "load_key"]


def _prepare(first_day: date, last_day: date, pseudonymise: bool, key: bytes | None,
             agency: str | None, out_dir: Path | str
             ) -> tuple[datetime, datetime, Any, str | None, Path]:
    """What both exports start from: the period's bounds, the pseudonymiser, the agency
    filter and the output folder (created; an unusable folder is the caller's error)."""
    since, until = day_bounds(first_day, last_day)
    pseudo = _pseudonymiser(pseudonymise, key)  # a missing key fails before any folder
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportRequestError(detail=f"{folder}: {exc.strerror or exc}") from exc
    return since, until, pseudo, clean_key(agency), folder
