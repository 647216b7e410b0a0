"""The HTML scorecard report (``pipeline/report_html.py``) on a hand-built report object.

Two agencies, three months (October–December 2026), max points 8 / 8 / 6. Raw counts
(digitized, reused, received; electronic, returns a result) per agency × procedure × month:

| agency | procedure | month | digitization | reuse | electronic results |
| --- | --- | --- | --- | --- | --- |
| H12.19 | 1.001193 | 10/2026 | 7/9 = 77,78 % → 7,78 | 3/9 = 33,33 % → 3,33 | 2/4 = 50 % → 3,75 |
| H12.19 | 1.001193 | 11/2026 | 5/5 = 100 % → 8 | 4/5 = 80 % → 8 | 3/3 → 6 |
| H12.19 | 1.000656 | 12/2026 | 1/2 = 50 % → 5 | 1/2 → 5 | 1/1 → 6 |
| H12.20 | 2.000001 | 10/2026 | 2/3 = 66,67 % → 6,67 | 1/3 → 3,33 | 1/2 → 3,75 |
| H12.20 | 2.000001 | 11/2026 | 4/4 → 8 | 4/4 → 8 | 0/0 **N/A** |
| H12.20 | 2.000001 | 12/2026 | 1/1 → 8 | 1/1 → 8 | 1/1 → 6 |

No rate is 0, so "0,00 %" must not appear anywhere: the N/A cell is never shown as 0 %.
Total: digitization 20/24 = 83,33 % → 8 (Đạt); reuse 14/24 = 58,33 % → 5,83;
electronic 8/11 = 72,73 % → 5,45.
"""

from __future__ import annotations

import ast
import base64
import copy
import io
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from matplotlib.font_manager import findfont
from matplotlib.ft2font import FT2Font
from PIL import Image

from tests.conftest import REPO
from warehouse.scorecard_html import (
    FONT,
    INDICATORS,
    NAMES_VI,
    agency_chart,
    rate_chart,
    render_html,
    series,
)

MAX = {"digitization": 8.0, "reuse": 8.0, "electronic_results": 6.0}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VOID = {"meta", "img", "br", "hr", "link", "input", "col", "wbr", "source"}


def ind(numerator: int, denominator: int, rate: float | None, points: float | None,
        max_points: float) -> dict[str, Any]:
    return {"numerator": numerator, "denominator": denominator, "rate": rate,
            "points": points, "max_points": max_points}


def inds(dig: tuple, reuse: tuple, elec: tuple) -> dict[str, Any]:
    """Each argument: (numerator, denominator, rate, points)."""
    return {"digitization": ind(*dig, MAX["digitization"]), "reuse": ind(*reuse, MAX["reuse"]),
            "electronic_results": ind(*elec, MAX["electronic_results"])}


def make_report() -> dict[str, Any]:
    rows = [
        ("H12.19", "1.000656", "2026-12",
         inds((1, 2, 50.0, 5.0), (1, 2, 50.0, 5.0), (1, 1, 100.0, 6.0))),
        ("H12.19", "1.001193", "2026-10",
         inds((7, 9, 77.78, 7.78), (3, 9, 33.33, 3.33), (2, 4, 50.0, 3.75))),
        ("H12.19", "1.001193", "2026-11",
         inds((5, 5, 100.0, 8.0), (4, 5, 80.0, 8.0), (3, 3, 100.0, 6.0))),
        ("H12.20", "2.000001", "2026-10",
         inds((2, 3, 66.67, 6.67), (1, 3, 33.33, 3.33), (1, 2, 50.0, 3.75))),
        ("H12.20", "2.000001", "2026-11",
         inds((4, 4, 100.0, 8.0), (4, 4, 100.0, 8.0), (0, 0, None, None))),
        ("H12.20", "2.000001", "2026-12",
         inds((1, 1, 100.0, 8.0), (1, 1, 100.0, 8.0), (1, 1, 100.0, 6.0))),
    ]
    agency_months = [
        ("H12.19", "2026-10", inds((7, 9, 77.78, 7.78), (3, 9, 33.33, 3.33),
                                   (2, 4, 50.0, 3.75))),
        ("H12.19", "2026-11", inds((5, 5, 100.0, 8.0), (4, 5, 80.0, 8.0), (3, 3, 100.0, 6.0))),
        ("H12.19", "2026-12", inds((1, 2, 50.0, 5.0), (1, 2, 50.0, 5.0), (1, 1, 100.0, 6.0))),
        ("H12.20", "2026-10", inds((2, 3, 66.67, 6.67), (1, 3, 33.33, 3.33),
                                   (1, 2, 50.0, 3.75))),
        ("H12.20", "2026-11", inds((4, 4, 100.0, 8.0), (4, 4, 100.0, 8.0), (0, 0, None, None))),
        ("H12.20", "2026-12", inds((1, 1, 100.0, 8.0), (1, 1, 100.0, 8.0), (1, 1, 100.0, 6.0))),
    ]
    return {
        "from": "2026-10-01", "to": "2026-12-31", "agency": None,
        "generated_at": "2026-11-22T15:04:05+07:00",
        "max_points": dict(MAX),
        "rows": [{"agency": a, "procedure": p, "month": m, **i} for a, p, m, i in rows],
        "agencies": [
            {"agency": "H12.19", **inds((13, 16, 81.25, 8.0), (8, 16, 50.0, 5.0),
                                        (6, 8, 75.0, 5.63))},
            {"agency": "H12.20", **inds((7, 8, 87.5, 8.0), (6, 8, 75.0, 7.5),
                                        (2, 3, 66.67, 5.0))},
        ],
        "months": [
            {"month": "2026-10", **inds((9, 12, 75.0, 7.5), (4, 12, 33.33, 3.33),
                                        (3, 6, 50.0, 3.75))},
            {"month": "2026-11", **inds((9, 9, 100.0, 8.0), (8, 9, 88.89, 8.0),
                                        (3, 3, 100.0, 6.0))},
            {"month": "2026-12", **inds((2, 3, 66.67, 6.67), (2, 3, 66.67, 6.67),
                                        (2, 2, 100.0, 6.0))},
        ],
        "agency_months": [{"agency": a, "month": m, **i} for a, m, i in agency_months],
        "total": inds((20, 24, 83.33, 8.0), (14, 24, 58.33, 5.83), (8, 11, 72.73, 5.45)),
        "manifest": {"file": "ngoai_he_thong.csv", "rows": 12, "added": 10,
                     "skipped_known": 1, "outside": 1},
    }


class Page(HTMLParser):
    """Strict-enough parse: balanced tags, images, tables as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.images: list[dict[str, str | None]] = []
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def rendered() -> tuple[str, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html = render_html(make_report())
    return html, caught


@pytest.fixture(scope="module")
def html(rendered: tuple[str, list[warnings.WarningMessage]]) -> str:
    return rendered[0]


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return parse(html)


def test_well_formed_vietnamese_page(html: str, page: Page) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert page.errors == [] and page.stack == []
    assert page.starts[0] == ("html", {"lang": "vi"})
    assert [t for t, _ in page.starts].count("body") == 1
    assert ("meta", {"charset": "utf-8"}) in page.starts
    text = " ".join(" ".join(page.text).split())
    for label in ("Báo cáo chỉ số số hoá và tái sử dụng (QĐ 766/QĐ-TTg)",
                  "Từ 01/10/2026 đến 31/12/2026", "Tỷ lệ số hoá hồ sơ",
                  "Tỷ lệ tái sử dụng dữ liệu số hoá", "Tỷ lệ cấp kết quả điện tử",
                  "Cơ quan H12.19", "Cơ quan H12.20", "Thủ tục (mã TTHC)", "Tháng",
                  "Tử số / Mẫu số", "Điểm", "Đạt (≥ 80 %)", "Chưa đạt", "Tất cả cơ quan",
                  "15:04, 22/11/2026"):
        assert label in text, label


def test_numbers_as_given_with_decimal_comma(html: str, page: Page) -> None:
    for value in ("77,78 %", "83,33 %", "58,33 %", "72,73 %", "7,78 / 8", "5,45 / 6",
                  "20 / 24", "10/2026", "11/2026", "12/2026"):
        assert value in html, value
    text = " ".join(page.text)
    assert "77.78" not in text and "83.33" not in text
    total_card = html.split('<section class="cards"', 1)[1].split("</section>", 1)[0]
    assert total_card.count('class="card ok"') == 1  # digitization 83,33 % ≥ 80
    assert total_card.count('class="card low"') == 2


def test_na_is_never_zero(html: str, page: Page) -> None:
    assert not re.search(r"(?<![\d,.])0[,.]00 %", html)  # "50,00 %" is fine, "0,00 %" not
    h1220 = next(t for t in page.tables if any(r[:2] == ["2.000001", "11/2026"] for r in t))
    row = next(r for r in h1220 if r[:2] == ["2.000001", "11/2026"])
    assert row == ["2.000001", "11/2026", "4 / 4", "100,00 %", "8,00 / 8", "4 / 4", "100,00 %",
                   "8,00 / 8", "0 / 0", "N/A", "N/A"]
    assert re.search(r'<td class="rate na"[^>]*>N/A</td>', html)
    subtotal = h1220[-1]
    assert subtotal[0] == "Cả cơ quan" and subtotal[-3:] == ["2 / 3", "66,67 %", "5,00 / 6"]


def test_tables_per_agency_with_subtotals(page: Page) -> None:
    # by month (+ whole period), by agency (+ total), then one per agency
    assert len(page.tables) == 4
    months, agencies, h1219, h1220 = page.tables
    assert [r[0] for r in months[2:]] == ["10/2026", "11/2026", "12/2026", "Cả kỳ"]
    assert [r[0] for r in agencies[2:]] == ["H12.19", "H12.20", "Tổng"]
    assert [r[:2] for r in h1219[2:]] == [["1.000656", "12/2026"], ["1.001193", "10/2026"],
                                          ["1.001193", "11/2026"], ["Cả cơ quan", ""]]
    assert h1219[-1][2:5] == ["13 / 16", "81,25 %", "8,00 / 8"]
    assert len(h1220) == 2 + 3 + 1


def test_one_png_per_chart(page: Page, tmp_path: Path) -> None:
    # whole period by month, agency comparison, one by month per agency
    assert len(page.images) == 4
    for n, image in enumerate(page.images):
        src = image["src"] or ""
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert data.startswith(PNG_SIGNATURE)
        path = tmp_path / f"chart{n}.png"
        path.write_bytes(data)
        with Image.open(path) as png:
            png.verify()
        with Image.open(path) as png:
            assert png.format == "PNG"
            assert 700 <= png.width <= 1400 and 200 <= png.height <= 1000
            assert (image["width"], image["height"]) == (str(png.width), str(png.height))
            assert len(png.convert("RGB").getcolors(1 << 16) or ()) > 10  # not blank
        assert image["alt"]


def test_no_network_no_scripts(html: str, page: Page) -> None:
    assert "http://" not in html and "https://" not in html
    tags = {t for t, _ in page.starts}
    assert not tags & {"script", "link", "iframe", "object", "embed"}
    assert "@import" not in html and "url(" not in html
    assert all((a.get("src") or "").startswith("data:") for _, a in page.starts if "src" in a)


def test_vietnamese_text_rendered_without_missing_glyphs(
        rendered: tuple[str, list[warnings.WarningMessage]], tmp_path: Path) -> None:
    html, caught = rendered
    (tmp_path / "report.html").write_text(html, encoding="utf-8")
    assert len(html.encode("utf-8")) < 1_000_000
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "missing from font" in m or "Glyph" in m], messages
    font = FT2Font(findfont(FONT, fallback_to_default=False))
    labels = "Tỷ lệ số hoá Tỷ lệ tái sử dụng dữ liệu số hoá cấp kết quả điện tử Ngưỡng 80 % Tháng"
    assert [c for c in set(labels) if font.get_char_index(ord(c)) == 0] == []


def test_missing_glyph_check_would_notice() -> None:
    """The warning the test above looks for does exist: a Chinese label triggers it."""
    report = make_report()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agency_chart([("中文", report["total"])])
    assert any("missing from font" in str(w.message) for w in caught)


def test_escapes_hostile_text() -> None:
    report = copy.deepcopy(make_report())
    hostile = "<script>alert('$\\frac$')</script>"
    for item in (report["rows"][:3] + report["agencies"][:1] + report["agency_months"][:3]):
        item["agency"] = hostile
    report["rows"][0]["procedure"] = '"><img src=x onerror=alert(1)>'
    report["manifest"]["file"] = "<b>x</b>.csv"
    html = render_html(report)
    page = parse(html)
    assert page.errors == []
    assert "<script" not in html and "<b>x</b>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;$\\frac$&#x27;)&lt;/script&gt;" in html
    assert "Cơ quan &lt;script&gt;" in html
    assert len(page.images) == 4  # the hostile name went through the charts too


def test_deterministic(html: str) -> None:
    again = render_html(make_report())
    tables = re.findall(r"<table>.*?</table>", html, re.S)
    assert tables and tables == re.findall(r"<table>.*?</table>", again, re.S)
    assert again == html  # PNGs too: no timestamps or version tags in them


def test_single_agency_and_filter() -> None:
    report = make_report()
    report["agency"] = "H12.19"
    report["rows"] = [r for r in report["rows"] if r["agency"] == "H12.19"]
    report["agencies"] = report["agencies"][:1]
    report["agency_months"] = [m for m in report["agency_months"] if m["agency"] == "H12.19"]
    report["manifest"] = None
    html = render_html(report)
    page = parse(html)
    assert len(page.images) == 1  # the agency's chart would repeat the whole-period one
    assert len(page.tables) == 2
    assert "Phạm vi:</b> Cơ quan H12.19" in html
    assert "ngoài hệ thống" not in html


def test_empty_period() -> None:
    na = inds((0, 0, None, None), (0, 0, None, None), (0, 0, None, None))
    report = {**make_report(), "rows": [], "agencies": [], "months": [], "agency_months": [],
              "total": na, "manifest": None}
    html = render_html(report)
    page = parse(html)
    assert page.errors == [] and page.images == [] and page.tables == []
    assert "Không có hồ sơ nào trong kỳ báo cáo." in html
    assert html.count('class="card na"') == 3
    assert not re.search(r"(?<![\d,.])0[,.]00 %", html)


def test_na_months_are_gaps_and_long_periods_draw_lines() -> None:
    report = make_report()
    points = [(m["month"], m) for m in report["agency_months"] if m["agency"] == "H12.20"]
    gaps = series(points, "electronic_results")
    assert gaps[0] == 50.0 and gaps[1] != gaps[1] and gaps[2] == 100.0  # NaN, not 0
    year = [(f"{n:02d}/2026", points[n % 3][1]) for n in range(12)]
    png = rate_chart(year)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width > 700


def test_names_match_report_module() -> None:
    """``report_html`` keeps its own copy of the names (importing ``report`` is slow)."""
    source = (REPO / "warehouse" / "scorecard.py").read_text("utf-8")
    found = {target.id: node.value for node in ast.parse(source).body
             if isinstance(node, ast.Assign) for target in node.targets
             if isinstance(target, ast.Name) and target.id in ("INDICATORS", "NAMES_VI")}
    assert ast.literal_eval(found["INDICATORS"]) == INDICATORS
    assert ast.literal_eval(found["NAMES_VI"]) == NAMES_VI
