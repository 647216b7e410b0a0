"""What binds a stored document's parts together, so that ``verify`` can tell when one of
them was edited or swapped: the signed PDF names its document, its originals and the
hash of its metadata; the metadata names the PDF's hash; the index row holds both.

The binding travels inside the signed PDF's XMP as ``dc:relation`` entries (a property
PDF/A predefines), covered by the agency's signature:

    sohoa:document:<document id>
    sohoa:original-sha256:<hex>        (one per original file)
    sohoa:metadata-sha256:<hex>        (see ``metadata_digest``)

The metadata's own ``SHA256`` (the signed PDF's hash) cannot be inside what the PDF
signs, so ``metadata_digest`` hashes the metadata without it, as canonical JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PREFIX = "sohoa:"
PDF_HASH_KEY = "SHA256"


def metadata_digest(metadata: Mapping[str, Any]) -> str:
    """SHA-256 of the metadata as canonical JSON, leaving out the PDF's own hash."""
    core = {k: v for k, v in metadata.items() if k != PDF_HASH_KEY}
    text = json.dumps(core, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Binding:
    document_id: str
    original_sha256s: tuple[str, ...]
    metadata_sha256: str

    def relations(self) -> list[str]:
        return [f"{PREFIX}document:{self.document_id}",
                *(f"{PREFIX}original-sha256:{s}" for s in self.original_sha256s),
                f"{PREFIX}metadata-sha256:{self.metadata_sha256}"]

    @classmethod
    def from_relations(cls, relations: Iterable[str]) -> Binding | None:
        """The binding a PDF carries, or ``None`` (stored before bindings existed)."""
        doc, originals, meta = None, [], None
        for item in relations:
            if not item.startswith(PREFIX):
                continue
            kind, _, value = item[len(PREFIX):].partition(":")
            if kind == "document":
                doc = value
            elif kind == "original-sha256":
                originals.append(value)
            elif kind == "metadata-sha256":
                meta = value
        if doc is None or meta is None:
            return None
        return cls(doc, tuple(sorted(originals)), meta)
