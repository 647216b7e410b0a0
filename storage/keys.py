"""Object keys: what a valid key is, and the layout the data-warehouse team browses.

Layout (**contract** for anyone reading the store directly):

- ``originals/ab/cd/<sha256>.<ext>`` — the bytes a counter scanned, exactly as received,
  keyed by their SHA-256 (``ab``/``cd`` are its first two byte pairs, so no folder grows
  huge). Identical re-submissions land on the same key.
- ``documents/<agency>/<yyyy>/<mm>/<doc_id><suffix>`` — digitized results per agency and
  month (``.pdf`` signed PDF/A, ``.json`` metadata, ...). The month is the Vietnam-time
  (UTC+07:00) month of ``when``.
- ``work/ab/<sha256>/page-NNNNN.json|.pdf`` and ``done.json`` — a queued original's page
  results between workers, and the mark that all its papers are stored (batch scratch:
  never an orphan for the integrity sweep).

Every key is Unicode NFC, uses ``/`` between segments, and no segment is empty, ``.``/``..``
or starts with ``.`` (dot names are reserved for the backends' temporary and metadata
files). Keys are normalised to NFC rather than refused, so NFD input from a Mac or a
scanner reaches the same object.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from common.vn import VN_TZ
from storage.errors import InvalidKeyError

MAX_KEY_BYTES = 1024  # S3's limit on a key's UTF-8 length
MAX_SEGMENT_BYTES = 200  # below the usual 255-byte file-name limit, room for temp names

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EXT = re.compile(r"^[a-z0-9]{1,10}$")
_DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_SUFFIX = re.compile(r"^\.[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_UNSAFE_SEGMENT_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _fail(reason: str, key: str) -> InvalidKeyError:
    return InvalidKeyError(f"invalid object key {key!r}: {reason}", key=key)


def _check_text(key: str) -> str:
    if not isinstance(key, str):
        raise InvalidKeyError(f"object key must be str, not {type(key).__name__}")
    key = unicodedata.normalize("NFC", key)
    if "\\" in key:
        raise _fail("backslashes are not allowed (use '/')", key)
    if key.startswith("/"):
        raise _fail("must not start with '/'", key)
    if _CONTROL.search(key):
        raise _fail("control characters are not allowed", key)
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise _fail(f"longer than {MAX_KEY_BYTES} bytes", key)
    return key


def _check_segment(segment: str, key: str) -> None:
    if not segment:
        raise _fail("empty path segment ('//' or trailing '/')", key)
    if segment in (".", ".."):
        raise _fail("'.' and '..' segments are not allowed", key)
    if segment.startswith("."):
        raise _fail("segments starting with '.' are reserved", key)
    if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
        raise _fail(f"a segment is longer than {MAX_SEGMENT_BYTES} bytes", key)


def validate_key(key: str) -> str:
    """The NFC form of ``key``; raises :class:`InvalidKeyError` if it is not a safe key."""
    key = _check_text(key)
    if not key:
        raise _fail("empty key", key)
    for segment in key.split("/"):
        _check_segment(segment, key)
    return key


def validate_prefix(prefix: str) -> str:
    """The NFC form of a listing prefix ("" lists everything; may end inside a segment)."""
    prefix = _check_text(prefix)
    segments = prefix.split("/")
    for segment in segments[:-1]:
        _check_segment(segment, prefix)
    if segments[-1] in (".", ".."):
        raise _fail("'.' and '..' segments are not allowed", prefix)
    return prefix


def original_key(sha256: str, ext: str) -> str:
    """``originals/ab/cd/<sha256>.<ext>`` for the original bytes with that SHA-256."""
    digest = sha256.lower()
    if not _SHA256.match(digest):
        raise InvalidKeyError(f"not a SHA-256 hex digest: {sha256!r}")
    extension = ext.lower().lstrip(".")
    if not _EXT.match(extension):
        raise InvalidKeyError(f"invalid file extension {ext!r} (1-10 letters or digits)")
    return f"originals/{digest[:2]}/{digest[2:4]}/{digest}.{extension}"


def safe_segment(text: str) -> str:
    """``text`` as one portable path segment: ASCII letters, digits, ``.``, ``_``, ``-``.

    Vietnamese letters lose their diacritics (``Đ`` → ``D``), every other run of unsafe
    characters becomes one ``-``; leading and trailing dots and dashes are dropped.
    """
    ascii_text = _strip_diacritics(text)
    cleaned = _UNSAFE_SEGMENT_CHARS.sub("-", ascii_text)[:MAX_SEGMENT_BYTES].strip(".-")
    if not cleaned:
        raise InvalidKeyError(f"nothing usable left in {text!r} for a key segment")
    return cleaned


def _strip_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode(
        "ascii", "ignore").decode("ascii")


def document_key(agency: str, when: datetime | date, doc_id: str, suffix: str) -> str:
    """``documents/<agency>/<yyyy>/<mm>/<doc_id><suffix>``, e.g. suffix ``.pdf``.

    ``agency`` is sanitised with :func:`safe_segment`; ``doc_id`` and ``suffix`` are
    identifiers and are refused (not rewritten) when unsafe, so two ids never collide.
    An aware ``when`` is taken in Vietnam time; a naive one as it is.
    """
    if not _DOC_ID.match(doc_id):
        raise InvalidKeyError(f"invalid document id {doc_id!r} (letters, digits, . _ -)")
    if not _SUFFIX.match(suffix):
        raise InvalidKeyError(f"invalid suffix {suffix!r} (e.g. '.pdf', '.json')")
    if isinstance(when, datetime) and when.tzinfo is not None:
        when = when.astimezone(VN_TZ)
    key = f"documents/{safe_segment(agency)}/{when.year:04d}/{when.month:02d}/{doc_id}{suffix}"
    return validate_key(key)


# -- batch work: page results between workers ---------------------------------------------


def work_prefix(sha256: str) -> str:
    """Where a queued original's page results live until its papers are stored."""
    return f"work/{sha256[:2]}/{sha256}"


def page_keys(sha256: str, page: int) -> tuple[str, str]:
    """(JSON key, PDF key) of one page's result."""
    stem = f"{work_prefix(sha256)}/page-{page:05d}"
    return f"{stem}.json", f"{stem}.pdf"


def done_key(sha256: str) -> str:
    """Written once every paper of the original is stored and indexed."""
    return f"{work_prefix(sha256)}/done.json"
