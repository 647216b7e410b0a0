"""Three real pages (tests/data/realdev: a colour 300-dpi letter, a 1-bit 300-dpi scan whose
PNG says 72 dpi, a ~70-dpi screenshot) through the same code path as ``sohoa ocr PAGE
--json``, scored with the benchmark's helpers (benchmarks/realdev.py).

The assertions are what holds today; tighten them as extraction improves (the full set
and the figures are ``benchmarks/real_bench.py``'s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.realdev import (
    EXACT,
    EXTRA,
    WRONG_UNFLAGGED,
    Item,
    line_cer,
    load_set,
    score_fields,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "realdev"

# What each page yields today: key phrases of its text (as read), whether its type is
# right, the highest line CER against its transcribed lines, and the fields that are
# right (case-folded).
EXPECT: dict[str, dict] = {
    "dev-01": {"phrases": ["TỜ TRÌNH", "Kính gửi: Hội đồng nhân dân tỉnh",
                           "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
               "type": True, "max_cer": 0.03, "right": {"co_quan_ban_hanh", "trich_yeu"}},
    "dev-06": {"phrases": ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                           "Về việc tăng cường các biện pháp bảo đảm đón Tết Nguyên đán"],
               "type": False, "max_cer": None, "right": {"trich_yeu"}},
    "dev-33": {"phrases": ["Hà Nội, ngày 09 tháng 04", "Hùng"], "type": True,
               "max_cer": 0.25,
               "right": {"ngay_ban_hanh", "trich_yeu"}},
}


def _items() -> dict[str, Item]:
    return {item.name: item for item in load_set(DATA)}


def test_the_vendored_pages_load_as_the_benchmark_loads_them() -> None:
    items = _items()
    assert sorted(items) == sorted(EXPECT)
    for item in items.values():
        (page,) = item.pages
        assert page.image.stat().st_size == page.truth["image"]["bytes"]  # unchanged copies
        assert item.doc_type == "van_ban_hanh_chinh" and item.fields["so_ky_hieu"]


def _ocr_json(image: Path) -> dict:
    """``sohoa ocr PAGE --json`` of one page (in this process, as ``--workers 1`` runs)."""
    from cli import ocr_json
    from pipeline.page.pool import process_files
    from pipeline.page.process import PageOptions

    return ocr_json(process_files([image], PageOptions(), workers=1))


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", sorted(EXPECT))
def test_real_page(name: str) -> None:
    item, expect = _items()[name], EXPECT[name]
    out = _ocr_json(item.images[0])
    assert out["errors"] == []
    (page,) = out["pages"]
    text = page["text"]
    for phrase in expect["phrases"]:
        assert phrase in text, phrase
    doc = next(d for d in out["documents"] if 0 in d["pages"])
    if expect["type"]:
        assert doc["type"] == item.doc_type
    if expect["max_cer"] is not None:
        score = line_cer(item.pages[0].text_lines, text)
        assert score.cer <= expect["max_cer"], score.cer
    lenient = score_fields(item.fields, doc["fields"], lenient=True)
    assert {k for k, v in lenient.items() if v == EXACT} >= expect["right"]
    assert EXTRA not in lenient.values()  # nothing invented where the page has nothing
    # The number is right, flagged or missing; never silently wrong.
    assert score_fields(item.fields, doc["fields"]).get("so_ky_hieu") != WRONG_UNFLAGGED
