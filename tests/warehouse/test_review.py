"""``sohoa review``: the OCR quality audit per agency, lowest confidence first.

A small index by hand: papers with low pages, flagged fields, both, neither, one stored
before page confidences were kept, on both sides of the period's Vietnamese-day edges and
in two agencies. The expected counts are worked out in the comments.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from reuse_index import DocumentRecord, ReuseIndex
from tests.conftest import lined_page, run_cli
from warehouse.review import build_review, render_csv, render_table

OCT_1_VN = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 01/10/2026 00:00 +07:00
SECRET_ID, SECRET_NAME = "001303012345", "Trần Thị Hồng Nhung"
PERIOD = {"first_day": date(2026, 10, 1), "last_day": date(2026, 10, 31)}


def flagged(confidence: float, *codes: str) -> dict:
    return {"value": SECRET_NAME, "confidence": confidence, "needs_review": True,
            "reasons": [{"code": c, "message": f"Họ {SECRET_NAME}"} for c in codes]}


def paper(doc_id: str, *, at: datetime, agency: str = "H12.19", pages: list[float] | None,
          fields: dict | None = None) -> DocumentRecord:
    metadata = {"MaGiayTo": "giay_khai_sinh", "MaChuGiayTo": SECRET_ID,
                "TenChuGiayTo": SECRET_NAME}
    if pages is not None:
        metadata["DoTinCayOCR"] = pages
    base = {"so_dinh_danh": {"value": SECRET_ID, "confidence": 0.99, "needs_review": False}}
    return DocumentRecord(id=doc_id, doc_type="giay_khai_sinh", owner_id=SECRET_ID,
                          owner_name=SECRET_NAME, fields={**base, **(fields or {})},
                          metadata=metadata, agency_code=agency, dossier_code=f"HS-{doc_id}",
                          digitized_at=at, pages=len(pages or [1]))


@pytest.fixture
def index(tmp_path: Path) -> Iterator[ReuseIndex]:
    with ReuseIndex(f"sqlite:///{tmp_path / 'index.db'}") as ix:
        day = timedelta(days=1)
        for record in (
            # H12.19, in October: 4 documents, 6 pages
            paper("clean", at=OCT_1_VN, pages=[0.95, 0.91]),  # nothing to review
            paper("low-page", at=OCT_1_VN + day, pages=[0.93, 0.55]),  # page 2 at 0.55
            paper("field", at=OCT_1_VN + 2 * day, pages=[0.9],
                  fields={"ho_ten": flagged(0.7, "name_family")}),  # a field at 0.70
            paper("old", at=OCT_1_VN + 3 * day, pages=None,  # before page confidences
                  fields={"ngay_sinh": flagged(None, "id_birth_year")}),
            # H12.20, in October: 1 document, both a low page and a flagged field
            paper("both", at=OCT_1_VN + 4 * day, agency="H12.20", pages=[0.62],
                  fields={"ho_ten": flagged(0.75, "name_family", "low_confidence")}),
            # outside: one second before 01/10 (VN), and 01/11 00:00 (VN)
            paper("before", at=OCT_1_VN - timedelta(seconds=1), pages=[0.1]),
            paper("after", at=OCT_1_VN + 31 * day, pages=[0.1]),
        ):
            ix.add_document(record)
        yield ix


def test_agencies_counted_and_worst_first(index: ReuseIndex) -> None:
    review = build_review(index, **PERIOD)
    by_agency = {a["agency"]: a for a in review["agencies"]}
    assert by_agency["H12.19"] == {
        "agency": "H12.19", "documents": 4, "pages": 6, "documents_to_review": 3,
        "pages_to_review": 1, "fields_to_review": 2, "documents_without_page_confidence": 1,
        "fields_by_key": {"ho_ten": 1, "ngay_sinh": 1}}
    assert by_agency["H12.20"]["documents_to_review"] == 1
    assert by_agency["H12.20"]["pages_to_review"] == 1
    assert by_agency["H12.20"]["fields_to_review"] == 1
    assert review["total"]["documents"] == 5 and review["total"]["documents_to_review"] == 4
    # lowest confidence first (page 0.55, page 0.62 < field 0.75, field 0.70), unknown last
    assert [i["document_id"] for i in review["items"]] == ["low-page", "both", "field", "old"]
    assert [i["lowest_confidence"] for i in review["items"]] == [0.55, 0.62, 0.7, None]
    both = review["items"][1]
    assert both["pages"] == [{"page": 1, "confidence": 0.62}]
    assert both["fields"] == [{"key": "ho_ten", "confidence": 0.75,
                               "reasons": ["name_family", "low_confidence"]}]
    assert review["items_total"] == review["items_shown"] == 4


def test_agency_threshold_and_limit(index: ReuseIndex) -> None:
    only = build_review(index, **PERIOD, agency="H12.20")
    assert [a["agency"] for a in only["agencies"]] == ["H12.20"]
    assert [i["document_id"] for i in only["items"]] == ["both"]
    strict = build_review(index, **PERIOD, threshold=0.92)  # 0.91 and 0.9 pages now low too
    assert strict["total"]["pages_to_review"] == 4  # 0.91, 0.55 (not 0.93), 0.9, 0.62
    assert [i["document_id"] for i in strict["items"]] == [
        "low-page", "both", "field", "clean", "old"]  # field: its 0.70 field is lowest
    top = build_review(index, **PERIOD, limit=1)
    assert top["items_shown"] == 1 and top["items_total"] == 4
    with pytest.raises(Exception, match="threshold"):
        build_review(index, **PERIOD, threshold=1.5)


def test_no_personal_data_in_any_rendering(index: ReuseIndex) -> None:
    review = build_review(index, **PERIOD)
    for text in (json.dumps(review, ensure_ascii=False), render_table(review),
                 render_table(review, "en"), render_csv(review)):
        assert SECRET_ID not in text and "Nhung" not in text
    rows = list(csv.DictReader(io.StringIO(render_csv(review))))
    assert {(r["document_id"], r["what"], r["page_or_field"]) for r in rows} == {
        ("low-page", "page", "2"), ("both", "page", "1"), ("both", "field", "ho_ten"),
        ("field", "field", "ho_ten"), ("old", "field", "ngay_sinh")}
    assert {r["field_name"] for r in rows if r["what"] == "field"} == {"Họ và tên", "Ngày sinh"}
    table = render_table(review)
    assert "Kiểm tra chất lượng OCR" in table and "trang 2 (0.55)" in table
    assert f"{PERIOD['first_day']:%d/%m/%Y} … {PERIOD['last_day']:%d/%m/%Y}" in table
    assert "Họ và tên" in table and "ho_ten" not in table  # keys named for people
    assert "ho_ten" in render_table(review, "en")


def test_scans_keep_page_confidences_and_cli_reports(home: Path, tmp_path: Path,
                                                     capsys) -> None:
    assert run_cli(capsys, "keys", "demo")[0] == 0
    page = lined_page(tmp_path / "to_khai.png", 30)
    code, out, err = run_cli(capsys, "scan", str(page), "--dossier", "HS-REVIEW-1",
                             "--allow-legacy-code",
                             "--procedure", "1.001193", "--agency", "H12.19",
                             "--type", "to_khai", "--engine", "fake", "--json", "--quiet",
                             "--workers", "1")
    assert code == 0, err
    today = datetime.now(UTC).date()
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as ix:
        record = ix.get(out["documents"][0]["id"])
    assert record is not None
    confidences = record.metadata["DoTinCayOCR"]
    assert len(confidences) == 1 and 0 <= confidences[0] <= 1
    span = ["--from", str(today - timedelta(days=1)), "--to", str(today + timedelta(days=1))]
    code, review, err = run_cli(capsys, "review", *span, "--format", "json",
                                "--threshold", "1.0")  # every page is below 1.0
    assert code == 0, err
    assert review["total"]["documents"] == 1 and review["total"]["pages_to_review"] == 1
    assert review["items"][0]["document_id"] == record.id
    from cli import main

    assert main(["review", *span, "--threshold", "1.0"]) == 0
    table = capsys.readouterr().out
    assert "Kiểm tra chất lượng OCR" in table and record.id in table
    code, _, err = run_cli(capsys, "review", "--from", "2026-10-02", "--to", "2026-10-01")
    assert code == 2
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as ix:
        assert len(ix.events(action="review")) == 2
