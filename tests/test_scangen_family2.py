"""Tests of the second page family of the scan generator (tests/scangen/family2.py):
deterministic pages, exact text truth in reading order, the header arrangements, fields of
letters on the page, the scan conditions it promises (1-bit, 100 dpi, turns, other fonts) and
the files and truth.json it writes. Fast; no Tesseract."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.scangen.__main__ import main as cli_main
from tests.scangen.documents import MOTTO_1
from tests.scangen.family2 import (
    HEADERS,
    Page2,
    encode,
    generate_family2,
    make_page2,
    to_bilevel,
)
from tests.scangen.layout import FAMILIES, get_font

SEEDS = range(16)


@pytest.fixture(scope="module")
def pages() -> list[Page2]:
    return [make_page2(s) for s in SEEDS]


def test_same_seed_same_page() -> None:
    a, b = make_page2(5), make_page2(5)
    assert a.truth == b.truth and a.scan == b.scan
    assert encode(a) == encode(b)
    assert make_page2(6).truth.text != a.truth.text


def test_forcing_the_kind_keeps_the_scan() -> None:
    prose, letter = make_page2(3, kind="prose"), make_page2(3, kind="letter")
    assert (prose.scan.kind, letter.scan.kind) == ("prose", "letter")
    for attr in ("rotation", "skew_deg", "dpi"):
        assert getattr(prose.truth, attr) == getattr(letter.truth, attr)
    assert prose.scan.bits == letter.scan.bits
    with pytest.raises(ValueError):
        make_page2(3, kind="poem")


def test_text_truth_is_clean_nfc(pages: list[Page2]) -> None:
    for p in pages:
        text = p.truth.text
        assert text and unicodedata.normalize("NFC", text) == text
        for line in text.split("\n"):
            assert line == line.strip() and "  " not in line and line
        assert not re.search(r"\{\w+\}", text), "an unfilled slot"


def test_family_covers_what_it_promises(pages: list[Page2]) -> None:
    assert {p.scan.kind for p in pages} == {"prose", "letter"}
    assert {p.scan.header for p in pages if p.scan.kind == "letter"} == set(HEADERS)
    assert {p.truth.dpi for p in pages} >= {100, 200, 300}
    assert 1 in {p.scan.bits for p in pages} and 72 in {p.scan.dpi_tag for p in pages}
    assert {p.truth.rotation for p in pages} == {0, 90, 180, 270}
    assert len({p.scan.font for p in pages}) >= 5
    assert any(abs(p.truth.skew_deg) > 2 for p in pages)


def test_scan_matches_its_truth(pages: list[Page2]) -> None:
    for p in pages:
        w, h = round(210 * p.truth.dpi / 25.4), round(297 * p.truth.dpi / 25.4)
        if p.truth.rotation in (90, 270):
            w, h = h, w
        # skew grows the canvas; it never shrinks it
        assert p.image.width >= w - 1 and p.image.height >= h - 1
        if p.truth.skew_deg == 0:
            assert abs(p.image.width - w) <= 1 and abs(p.image.height - h) <= 1
        expected_mode = {1: "1", 8: "L", 24: "RGB"}[p.scan.bits]
        assert p.image.mode == expected_mode


def test_letters_read_left_block_then_right_block(pages: list[Page2]) -> None:
    letters = [p for p in pages if p.scan.kind == "letter"]
    assert letters
    for p in letters:
        lines = p.truth.text.split("\n")
        motto = lines.index(MOTTO_1)
        number = next(i for i, ln in enumerate(lines) if ln.startswith("Số: "))
        vv = next(i for i, ln in enumerate(lines) if ln.startswith("V/v "))
        assert motto > 0  # the issuer comes first
        if p.scan.header == "number_right":
            assert vv < motto < number  # the subject stays left, the number sits right
        else:
            assert number < vv < motto
        if p.scan.header == "vv_three":
            assert motto - vv >= 3, "the subject should take three lines"


def test_letter_fields_are_printed(pages: list[Page2]) -> None:
    for p in (p for p in pages if p.scan.kind == "letter"):
        f = p.truth.fields
        assert set(f) == {"so_ky_hieu", "trich_yeu", "ngay_ban_hanh", "co_quan_ban_hanh"}
        flat = " ".join(p.truth.text.split())
        assert f"Số: {f['so_ky_hieu']}" in flat
        assert f["trich_yeu"] in flat
        y, m, d = f["ngay_ban_hanh"].split("-")
        assert f"ngày {d} tháng" in flat and f"năm {y}" in flat
        assert p.truth.doc_type == "van_ban_hanh_chinh"
    for p in (p for p in pages if p.scan.kind == "prose"):
        assert p.truth.fields == {} and p.truth.doc_type == "khac"


def test_added_fonts_have_every_glyph(pages: list[Page2]) -> None:
    chars = {c for p in pages for c in p.truth.text} - {"\n", " "}
    for family in {p.scan.font for p in pages}:
        for style, _ in FAMILIES[family].items():
            font = get_font(family, style, 24)
            notdef = font.getmask("\U0010fffd")
            key = (notdef.size, bytes(notdef))
            missing = [c for c in chars if (font.getmask(c).size, bytes(font.getmask(c))) == key]
            assert not missing, (family, style, missing)


def test_bilevel_keeps_text_dark_and_paper_white() -> None:
    grey = np.full((60, 200), 235, np.uint8)
    grey[20:40, 50:150] = 40
    bw = np.asarray(to_bilevel(Image.fromarray(grey)).convert("L"))
    assert bw[30, 100] == 0 and bw[5, 5] == 255


def test_generate_family2_writes_files_and_truth(tmp_path: Path) -> None:
    results = generate_family2(tmp_path, 4, seed=2)
    entries = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert [e["file"] for e in entries] == [p.name for p, _, _ in results]
    assert [e["scan"]["kind"] for e in entries] == ["prose", "letter", "prose", "letter"]
    for (path, truth, scan), entry in zip(results, entries, strict=True):
        assert entry["truth"]["text"] == truth.text and entry["scan"]["family"] == 2
        with Image.open(path) as im:
            assert im.format == ("PNG" if scan.fmt == "png" else "JPEG")
            assert round(im.info["dpi"][0]) == scan.dpi_tag
    again = generate_family2(tmp_path / "again", 4, seed=2)
    assert [p.read_bytes() for p, _, _ in again] == [p.read_bytes() for p, _, _ in results]


def test_cli_family2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main([str(tmp_path), "--pages", "2", "--seed", "3", "--family", "2"]) == 0
    err = capsys.readouterr().err
    assert err.count("f2_000") == 2
    assert len(json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))) == 2
