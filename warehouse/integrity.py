"""What makes a stored document whole, beyond its signed PDF's own hash and signature —
checked the same way by ``verify DOC``, ``get``, the web view (``access.Warehouse``) and
the sweep behind ``verify --all`` (``sweep``).

- the metadata file beside the PDF (``….json``, version 1) is what the PDF is bound to;
  a corrected document (warehouse/corrections.py) has later versions ``….v2.json``, …,
  each naming the SHA-256 of the one before (``MetadataTruoc``), and the latest equals
  the index row's metadata, names the PDF's hash, and agrees with the row's type, owner
  and dossier; a version beyond the row's is found too (a correction rolled back);
- the signed PDF's binding (common/binding.py: document id, originals, metadata hash,
  under the agency's signature) matches the index row and the metadata file, so an
  edited row or file, or a PDF swapped in from another paper, is found;
- every original's bytes still hash to the SHA-256 its key and the index record.

Each check returns ``Issue``s: a finding kind, the object key concerned and an English
detail. Documents stored before bindings existed carry none; their other checks apply.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from common.binding import PDF_HASH_KEY, Binding, metadata_digest
from reuse_index import DocumentRecord
from storage import ObjectNotFoundError, ObjectStore

KINDS = ("metadata_mismatch", "binding_mismatch", "original_changed")


class Issue(NamedTuple):
    kind: str  # one of KINDS, or "missing_original"
    key: str | None
    detail: str


@dataclass(frozen=True)
class Parts:
    """What checking one document needs from its index row (picklable: sent to sweep
    workers)."""

    document_id: str
    pdf_key: str | None
    pdf_sha256: str | None
    metadata: dict[str, Any] = field(default_factory=dict)
    row: dict[str, str | None] = field(default_factory=dict)  # MaGiayTo, MaChuGiayTo, MaHoSo
    originals: tuple[tuple[str, str], ...] = ()  # (key, sha256)

    @classmethod
    def of(cls, record: DocumentRecord) -> Parts:
        return cls(record.id, record.pdf_key, record.pdf_sha256, dict(record.metadata),
                   {"MaGiayTo": record.doc_type, "MaChuGiayTo": record.owner_id,
                    "MaHoSo": record.dossier_code},
                   tuple(zip(record.original_keys, record.original_sha256s, strict=False)))

    @property
    def metadata_key(self) -> str:
        return self.version_key(1)

    def version_key(self, version: int) -> str:
        stem = (self.pdf_key or "")[: -len(".pdf")]
        return f"{stem}.json" if version == 1 else f"{stem}.v{version}.json"


VERSION_KEY, PREVIOUS_KEY = "PhienBan", "MetadataTruoc"


def row_version(metadata: dict[str, Any]) -> int:
    """The metadata version an index row says it carries (1: as signed)."""
    version = metadata.get(VERSION_KEY, 1)
    return version if isinstance(version, int) and version >= 1 else 1


def check_parts(store: ObjectStore, parts: Parts, pdf: bytes | None, *,
                signature_ok: bool, originals: bool = True) -> list[Issue]:
    """Every check above; the binding only when ``signature_ok`` (it is worth something
    only under a valid signature) and the PDF was read."""
    stored, issues = stored_metadata(store, parts)
    if pdf is not None and signature_ok:
        issues += binding_issues(parts, pdf, stored)
    if originals:
        issues += original_issues(store, parts)
    return issues


def _load(store: ObjectStore, key: str) -> tuple[dict | None, list[Issue]]:
    try:
        stored = json.loads(store.get_bytes(key))
    except ObjectNotFoundError:
        return None, [Issue("metadata_mismatch", key, "the metadata file is missing")]
    except ValueError:
        return None, [Issue("metadata_mismatch", key, "the metadata file is not JSON")]
    if not isinstance(stored, dict):
        return None, [Issue("metadata_mismatch", key, "the metadata file is not an object")]
    return stored, []


def stored_metadata(store: ObjectStore, parts: Parts) -> tuple[dict | None, list[Issue]]:
    """The metadata file bound to the PDF (version 1), and how the chain of versions up
    to the index row's disagrees with it or with the row."""
    first, issues = _load(store, parts.metadata_key)
    if first is None:
        return None, issues
    stored, key = first, parts.metadata_key
    version = row_version(parts.metadata)
    for number in range(2, version + 1):
        key = parts.version_key(number)
        later, problems = _load(store, key)
        if later is None:
            return first, problems
        if later.get(VERSION_KEY) != number or \
                later.get(PREVIOUS_KEY) != metadata_digest(stored):
            issues.append(Issue("metadata_mismatch", key, f"metadata version {number} does "
                                f"not follow version {number - 1}"))
        stored = later
    beyond = parts.version_key(version + 1)
    if store.exists(beyond):
        issues.append(Issue("metadata_mismatch", beyond, "a later metadata version exists "
                            f"than the index row's (version {version})"))
    if stored != parts.metadata:
        issues.append(Issue("metadata_mismatch", key, "the metadata file differs from the "
                            "index row's metadata"))
    if stored.get(PDF_HASH_KEY) not in (None, parts.pdf_sha256):
        issues.append(Issue("metadata_mismatch", key, "the metadata file names another PDF "
                            f"({stored.get(PDF_HASH_KEY)})"))
    differs = [k for k, v in parts.row.items() if k in stored and stored[k] != v]
    if differs:
        issues.append(Issue("metadata_mismatch", key, "the index row differs from the "
                            f"metadata in {', '.join(differs)}"))
    return first, issues


def binding_issues(parts: Parts, pdf: bytes, stored: dict | None) -> list[Issue]:
    """What the signed PDF says it is, against the index row and the metadata file."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            relations = doc.open_metadata().get("dc:relation") or ()
    except (pikepdf.PdfError, ValueError):
        return [Issue("binding_mismatch", parts.pdf_key, "the PDF's metadata is unreadable")]
    binding = Binding.from_relations(relations)
    if binding is None:
        return []  # stored before bindings existed
    issues = []
    if binding.document_id != parts.document_id:
        issues.append(Issue("binding_mismatch", parts.pdf_key,
                            f"the signed PDF belongs to document {binding.document_id}"))
    if binding.original_sha256s != tuple(sorted(s for _, s in parts.originals)):
        issues.append(Issue("binding_mismatch", parts.pdf_key,
                            "the signed PDF names other originals"))
    if row_version(parts.metadata) == 1 and \
            metadata_digest(parts.metadata) != binding.metadata_sha256:
        # (a corrected row is tied to what was signed through the chain of versions)
        issues.append(Issue("binding_mismatch", parts.pdf_key,
                            "the index row's metadata differs from what was signed"))
    if stored is not None and metadata_digest(stored) != binding.metadata_sha256:
        issues.append(Issue("binding_mismatch", parts.metadata_key,
                            "the metadata file differs from what was signed"))
    return issues


def original_issues(store: ObjectStore, parts: Parts) -> list[Issue]:
    """Originals whose bytes no longer hash to their recorded SHA-256 (or are gone)."""
    issues = []
    for key, sha in parts.originals:
        try:
            recorded = store.stat(key).sha256
            intact = store.verify(key)
        except ObjectNotFoundError:
            issues.append(Issue("missing_original", key, "the original is not in the store"))
            continue
        if not intact or recorded != sha:
            issues.append(Issue("original_changed", key, "the original's bytes no longer "
                                f"hash to {sha}"))
    return issues
