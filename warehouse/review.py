"""``sohoa review``: the OCR quality audit, what an officer should re-check and where.

Owns the selection and ordering of documents that need a person's look:

- a **page** needs review when its OCR confidence (kept per page in the stored metadata as
  ``DoTinCayOCR``, a sohoa extension of the portal keys) is below ``threshold``
  (default ``REVIEW_CONFIDENCE`` = 0.80, the same line the field checks use);
- a **field** needs review when the field checks marked it ``needs_review`` (an ID whose
  birth year disagrees with the birth date, an unlikely family name, a low-confidence
  reading ...; the stored metadata lists them in ``CanKiemTra``).

The audit groups by agency (counts of documents, pages and fields to review, and which
field keys come up most) and lists the documents lowest confidence first, so the team
checks the worst readings before the merely doubtful ones. It shows document ids, types,
page numbers, field keys and reason codes, never a field's value: the list can be shared
without spreading personal data; the officer opens the document (an access that is
recorded) to see it.

Documents stored before page confidences were kept have no ``DoTinCayOCR``: only their
fields are judged and they sort after documents with a known confidence.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from common.errors import InvalidRequestError
from common.private import safe_writer
from common.vn import VN_TZ, vn_day_start
from pipeline.papers.fields import REVIEW_CONFIDENCE
from pipeline.papers.labels import field_label, reason_name, type_name
from reuse_index import ReuseIndex
from reuse_index.schema import documents

PAGE_CONFIDENCE_KEY = "DoTinCayOCR"  # metadata: OCR confidence of each page, in order
_CHUNK = 2_000


@dataclass
class ReviewItem:
    """One document with something to re-check."""

    document_id: str
    doc_type: str
    agency: str | None
    dossier_code: str | None
    digitized_at: datetime
    low_pages: list[dict[str, Any]]  # {"page": 1-based, "confidence"}
    fields: list[dict[str, Any]]  # {"key", "confidence", "reasons": [codes]}
    lowest: float | None  # the lowest confidence among its low pages and review fields

    def to_json(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "type": self.doc_type,
                "agency": self.agency, "dossier_code": self.dossier_code,
                "digitized_at": self.digitized_at.astimezone(VN_TZ).isoformat(
                    timespec="seconds"),
                "lowest_confidence": self.lowest, "pages": self.low_pages,
                "fields": self.fields}


@dataclass
class AgencyTally:
    documents: int = 0
    pages: int = 0
    documents_to_review: int = 0
    pages_to_review: int = 0
    fields_to_review: int = 0
    without_page_confidence: int = 0
    field_keys: Counter[str] = field(default_factory=Counter)

    def to_json(self, agency: str | None) -> dict[str, Any]:
        return {"agency": agency, "documents": self.documents, "pages": self.pages,
                "documents_to_review": self.documents_to_review,
                "pages_to_review": self.pages_to_review,
                "fields_to_review": self.fields_to_review,
                "documents_without_page_confidence": self.without_page_confidence,
                "fields_by_key": dict(self.field_keys.most_common())}


def day_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """Whole Vietnamese days ``first_day``..``last_day`` as UTC [since, until)."""
    if last_day < first_day:
        raise InvalidRequestError(detail="--to is before --from")
    if first_day.year < 1900 or last_day.year > 9000:
        raise InvalidRequestError(detail="--from/--to outside 1900-9000")
    since = vn_day_start(first_day).astimezone(UTC)
    until = datetime.combine(last_day + timedelta(days=1), datetime.min.time(),
                             VN_TZ).astimezone(UTC)
    return since, until


def page_confidences(metadata: dict[str, Any]) -> list[float] | None:
    """The per-page OCR confidences kept in a document's metadata, if any."""
    values = metadata.get(PAGE_CONFIDENCE_KEY)
    if not isinstance(values, list):
        return None
    return [float(v) for v in values if isinstance(v, int | float)]


def judge(row: Any, threshold: float) -> tuple[ReviewItem | None, list[float] | None]:
    """The review item of one ``documents`` row (None: nothing to re-check)."""
    fields = json.loads(row["fields_json"] or "{}")
    metadata = json.loads(row["metadata_json"] or "{}")
    pages = page_confidences(metadata)
    low_pages = [{"page": n + 1, "confidence": round(c, 3)}
                 for n, c in enumerate(pages or []) if c < threshold]
    review_fields = []
    for key, value in sorted(fields.items()):
        if isinstance(value, dict) and value.get("needs_review"):
            reasons = [r.get("code") for r in value.get("reasons") or [] if isinstance(r, dict)]
            confidence = value.get("confidence")
            review_fields.append({"key": key, "confidence": confidence,
                                  "reasons": [r for r in reasons if r]})
    if not low_pages and not review_fields:
        return None, pages
    scores = [p["confidence"] for p in low_pages] + [
        f["confidence"] for f in review_fields if isinstance(f["confidence"], int | float)]
    item = ReviewItem(document_id=row["id"], doc_type=row["doc_type"],
                      agency=row["agency_code"], dossier_code=row["dossier_code"],
                      digitized_at=row["digitized_at"], low_pages=low_pages,
                      fields=review_fields, lowest=min(scores) if scores else None)
    return item, pages


def _rows(index: ReuseIndex, since: datetime, until: datetime,
          agency: str | None) -> Iterator[Any]:
    stmt = (select(documents.c.id, documents.c.doc_type, documents.c.agency_code,
                   documents.c.dossier_code, documents.c.digitized_at, documents.c.pages,
                   documents.c.fields_json, documents.c.metadata_json)
            .where(documents.c.digitized_at >= since, documents.c.digitized_at < until))
    if agency:
        stmt = stmt.where(documents.c.agency_code == agency)
    with index.snapshot() as conn:
        result = conn.execute(stmt.execution_options(yield_per=_CHUNK))
        for chunk in result.mappings().partitions(_CHUNK):
            yield from chunk


def build_review(index: ReuseIndex, *, first_day: date, last_day: date,
                 agency: str | None = None, threshold: float = REVIEW_CONFIDENCE,
                 limit: int | None = 200) -> dict[str, Any]:
    """The audit of documents digitized ``first_day``..``last_day`` (Vietnamese days):
    ``{"from", "to", "threshold", "agencies": [...], "total": {...}, "items": [...],
    "items_shown", "items_total"}``; ``items`` lowest confidence first (``limit`` of them,
    None for all)."""
    if not 0 < threshold <= 1:
        raise InvalidRequestError(detail="--threshold must be in (0, 1]")
    if limit is not None and limit < 0:
        raise InvalidRequestError(detail="--limit must be 0 or more")
    since, until = day_bounds(first_day, last_day)
    tallies: dict[str | None, AgencyTally] = {}
    total = AgencyTally()
    items: list[ReviewItem] = []
    for row in _rows(index, since, until, agency):
        item, pages = judge(row, threshold)
        for tally in (tallies.setdefault(row["agency_code"], AgencyTally()), total):
            tally.documents += 1
            tally.pages += len(pages) if pages is not None else int(row["pages"] or 0)
            tally.without_page_confidence += pages is None
            if item is not None:
                tally.documents_to_review += 1
                tally.pages_to_review += len(item.low_pages)
                tally.fields_to_review += len(item.fields)
                tally.field_keys.update(f["key"] for f in item.fields)
        if item is not None:
            items.append(item)
    # lowest confidence first; unknown confidence last; then oldest first
    items.sort(key=lambda i: (i.lowest is None, i.lowest or 0.0, i.digitized_at, i.document_id))
    shown = items if limit is None else items[:limit]
    return {"from": first_day.isoformat(), "to": last_day.isoformat(), "agency": agency,
            "threshold": threshold,
            "agencies": [tallies[a].to_json(a) for a in sorted(tallies, key=lambda a: a or "")],
            "total": total.to_json(None),
            "items_total": len(items), "items_shown": len(shown),
            "items": [i.to_json() for i in shown]}


# -- rendering ------------------------------------------------------------------------------

_LABELS = {
    "vi": {"agency": "Cơ quan", "documents": "Tài liệu", "pages": "Trang",
           "documents_to_review": "TL cần xem", "pages_to_review": "Trang cần xem",
           "fields_to_review": "Trường cần xem", "top": "Trường hay sai",
           "title": "Kiểm tra chất lượng OCR", "threshold": "ngưỡng độ tin cậy trang",
           "items": "Tài liệu cần xem lại (độ tin cậy thấp nhất trước)", "all": "Tất cả",
           "none": "Không có tài liệu nào cần xem lại.",
           "more": "… còn {n} tài liệu (dùng --limit)", "page": "trang"},
    "en": {"agency": "Agency", "documents": "Documents", "pages": "Pages",
           "documents_to_review": "Docs to review", "pages_to_review": "Pages to review",
           "fields_to_review": "Fields to review", "top": "Most flagged fields",
           "title": "OCR quality audit", "threshold": "page confidence threshold",
           "items": "Documents to re-check (lowest confidence first)", "all": "All",
           "none": "Nothing to re-check.", "more": "… {n} more (use --limit)",
           "page": "page"},
}
_COLUMNS = ("documents", "pages", "documents_to_review", "pages_to_review",
            "fields_to_review")


def render_table(review: dict[str, Any], lang: str = "vi") -> str:
    """A plain-text table per agency, then the documents to re-check."""
    t = _LABELS[lang]
    day = _dmy if lang == "vi" else str
    lines = [f"{t['title']} {day(review['from'])} … {day(review['to'])} "
             f"({t['threshold']} {review['threshold']:.2f})", ""]
    header = [t["agency"], *(t[c] for c in _COLUMNS), t["top"]]
    vi = lang == "vi"
    name = field_label if vi else str
    body = [[a["agency"] or "-", *(str(a[c]) for c in _COLUMNS),
             ", ".join(name(k) for k in list(a["fields_by_key"])[:3])]
            for a in review["agencies"]]
    body.append([t["all"], *(str(review["total"][c]) for c in _COLUMNS), ""])
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    for row in [header, *body]:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                     .rstrip())
    lines += ["", t["items"] + ":"]
    if not review["items"]:
        lines.append(t["none"])
    for item in review["items"]:
        lowest = "?" if item["lowest_confidence"] is None else f"{item['lowest_confidence']:.2f}"
        pages = ", ".join(f"{t['page']} {p['page']} ({p['confidence']:.2f})"
                          for p in item["pages"])
        why = reason_name if vi else str
        fields = ", ".join(name(f["key"]) + (f" [{'/'.join(why(r) for r in f['reasons'])}]"
                                             if f["reasons"] else "") for f in item["fields"])
        kind = type_name(item["type"]) if vi else item["type"]
        lines.append(f"{lowest}  {item['document_id']}  {kind}  "
                     f"{item['agency'] or '-'}  {item['dossier_code'] or '-'}  "
                     + "; ".join(x for x in (pages, fields) if x))
    hidden = review["items_total"] - review["items_shown"]
    if hidden > 0:
        lines.append(t["more"].format(n=hidden))
    return "\n".join(lines)


def _dmy(iso: str) -> str:
    """'YYYY-MM-DD' as Vietnamese readers write a day: dd/mm/yyyy."""
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def render_csv(review: dict[str, Any]) -> str:
    """One row per page or field to re-check (UTF-8, for a spreadsheet); the keys and codes
    are followed by their Vietnamese names (``type_name``, ``field_name``, ``reason_names``),
    for the people who read the sheet."""
    out = io.StringIO()
    writer = safe_writer(out, lineterminator="\n")
    writer.writerow(["agency", "document_id", "type", "dossier_code", "digitized_at",
                     "lowest_confidence", "what", "page_or_field", "confidence", "reasons",
                     "type_name", "field_name", "reason_names"])
    for item in review["items"]:
        common = [item["agency"] or "", item["document_id"], item["type"],
                  item["dossier_code"] or "", item["digitized_at"],
                  item["lowest_confidence"]]
        for page in item["pages"]:
            writer.writerow([*common, "page", page["page"], page["confidence"], "",
                             type_name(item["type"]), "", ""])
        for fld in item["fields"]:
            writer.writerow([*common, "field", fld["key"], fld["confidence"],
                             " ".join(fld["reasons"]), type_name(item["type"]),
                             field_label(fld["key"]),
                             "; ".join(reason_name(r) for r in fld["reasons"])])
    return out.getvalue()
