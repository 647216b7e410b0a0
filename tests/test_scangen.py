"""Tests of the scan generator (tests/scangen): determinism, geometry, data consistency,
ground-truth hygiene and the files generate_set writes. Fast; no Tesseract."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from datetime import date
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from tests.scangen import (
    DOC_TYPES,
    PROVINCE_CODES,
    Sample,
    Truth,
    degrade,
    generate_set,
    make_sample,
    render_page,
)
from tests.scangen.__main__ import main as cli_main
from tests.scangen.layout import FAMILIES, get_font
from tests.scangen.people import mrz_check
from tests.scangen.samples import _scan_params
from tests.scangen.vocab import date_words, number_words

FIELD_KEYS = {
    "ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh", "quoc_tich", "dan_toc", "que_quan",
    "noi_cu_tru", "noi_thuong_tru", "co_gia_tri_den", "ngay_cap", "noi_cap", "ho_ten_me",
    "ho_ten_cha", "ho_ten_chong", "ho_ten_vo", "so_dinh_danh_chong", "so_dinh_danh_vo",
    "ho_ten_nguoi_yeu_cau", "so_dinh_danh_nguoi_yeu_cau", "so", "so_ky_hieu", "ngay_ban_hanh",
    "ngay_dang_ky", "co_quan_ban_hanh", "trich_yeu", "so_phat_hanh", "so_vao_so",
    "thua_dat_so", "to_ban_do_so", "co_quan_chu_quan", "loai_van_ban",
}
DATE_KEYS = {"ngay_sinh", "co_gia_tri_den", "ngay_cap", "ngay_ban_hanh", "ngay_dang_ky"}
NAME_KEYS = {"ho_ten", "ho_ten_me", "ho_ten_cha", "ho_ten_chong", "ho_ten_vo",
             "ho_ten_nguoi_yeu_cau"}


def a4(dpi: int) -> tuple[int, int]:
    return round(210 * dpi / 25.4), round(297 * dpi / 25.4)


@pytest.fixture(scope="module")
def pages() -> list[tuple[str, Image.Image, str, dict[str, str]]]:
    """Three clean pages of every type at a low dpi (layout does not depend on dpi)."""
    out = []
    for seed in range(3):
        for t in DOC_TYPES:
            img, text, fields = render_page(t, random.Random(seed), dpi=100)
            out.append((t, img, text, fields))
    return out


# -- determinism and geometry ---------------------------------------------------------------


def test_same_seed_same_sample() -> None:
    a = make_sample(11, dpi=200)
    b = make_sample(11, dpi=200)
    assert isinstance(a, Sample)
    assert a.truth == b.truth
    assert a.image.mode == b.image.mode and a.image.size == b.image.size
    assert a.image.tobytes() == b.image.tobytes()
    c = make_sample(12, dpi=200)
    assert c.truth != a.truth


def test_overriding_one_parameter_keeps_the_rest() -> None:
    a = make_sample(5, dpi=200, level="mild")
    b = make_sample(5, dpi=200, level="mild", rotation=180)
    assert b.truth.rotation == 180
    assert (a.truth.text, a.truth.fields, a.truth.skew_deg) == \
        (b.truth.text, b.truth.fields, b.truth.skew_deg)


@pytest.mark.parametrize("dpi", [200, 250, 300])
def test_clean_size_matches_dpi(dpi: int) -> None:
    s = make_sample(3, dpi=dpi, level="clean")
    assert s.image.size == a4(dpi)
    assert s.truth.dpi == dpi and s.truth.rotation == 0 and s.truth.skew_deg == 0.0


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotation_swaps_sides(rotation: int) -> None:
    s = make_sample(4, dpi=200, level="mild", rotation=rotation, skew_deg=0.0)
    w, h = a4(200)
    assert s.image.size == ((h, w) if rotation in (90, 270) else (w, h))
    assert s.truth.rotation == rotation


def test_skew_grows_canvas() -> None:
    s = make_sample(4, dpi=200, level="mild", rotation=90, skew_deg=7.5)
    w, h = a4(200)
    assert s.truth.skew_deg == 7.5
    assert s.image.width > h and s.image.height > w


def _dark(img: Image.Image) -> np.ndarray:
    return np.argwhere(np.asarray(img.convert("L")) < 128)  # (y, x) rows


def test_rotation_is_clockwise_and_skew_positive_is_counter_clockwise() -> None:
    img = Image.new("RGB", (400, 300), "white")
    img.paste((0, 0, 0), (0, 0, 40, 40))  # mark the top-left corner
    out = degrade(img, random.Random(0), rotation=90, skew_deg=0.0, blur=0, noise=0,
                  lighting=0, jpeg_quality=None, grey=False)
    ys, xs = _dark(out).T
    assert out.size == (300, 400)
    assert xs.mean() > 250 and ys.mean() < 50  # top-left went to top-right: clockwise

    bar = Image.new("RGB", (400, 300), "white")
    bar.paste((0, 0, 0), (50, 145, 350, 155))
    out = degrade(bar, random.Random(0), rotation=0, skew_deg=10.0, blur=0, noise=0,
                  lighting=0, jpeg_quality=None, grey=False)
    ys, xs = _dark(out).T
    slope = np.polyfit(xs, ys, 1)[0]
    assert slope == pytest.approx(-np.tan(np.radians(10)), abs=0.02)  # right end higher: CCW
    corners = np.asarray(out)[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners == 255).all()  # grown canvas filled with the paper colour


def test_levels() -> None:
    for seed in range(3):
        clean = make_sample(seed, dpi=200, level="clean").truth
        assert clean.rotation == 0 and clean.skew_deg == 0.0
        mild = make_sample(seed, dpi=200, level="mild").truth
        assert mild.rotation == 0 and abs(mild.skew_deg) <= 3
        assert abs(make_sample(seed, dpi=200).truth.skew_deg) <= 15
    with pytest.raises(ValueError):
        make_sample(0, level="awful")
    with pytest.raises(ValueError):
        make_sample(0, doc_type="passport")


def test_degraded_draws_all_quarter_turns_and_dpis() -> None:
    params = [_scan_params("degraded", random.Random(seed)) for seed in range(40)]
    assert {p.rotation for p in params} == {0, 90, 180, 270}
    assert max(abs(p.skew_deg) for p in params) > 10
    rng_dpis = set()
    for seed in range(12):
        rng = random.Random(seed)
        rng.choice(DOC_TYPES)
        rng_dpis.add(rng.choice((200, 250, 300)))
    assert rng_dpis == {200, 250, 300}


# -- content --------------------------------------------------------------------------------------


def test_province_codes_table() -> None:
    assert len(PROVINCE_CODES) == 63
    assert all(re.fullmatch(r"0\d\d", k) for k in PROVINCE_CODES)
    assert PROVINCE_CODES["001"] == "Hà Nội"
    assert PROVINCE_CODES["079"] == "Hồ Chí Minh"
    assert PROVINCE_CODES["096"] == "Cà Mau"
    assert PROVINCE_CODES["040"] == "Nghệ An"


def test_every_doc_type_renders(pages: list) -> None:
    seen = set()
    for doc_type, img, text, fields in pages:
        seen.add(doc_type)
        assert img.mode == "RGB" and img.size == a4(100)
        assert len(text.splitlines()) >= 10, doc_type
        assert fields and set(fields) <= FIELD_KEYS, (doc_type, set(fields) - FIELD_KEYS)
        grey = np.asarray(img.convert("L"))
        assert grey.min() < 80  # something dark was drawn
        assert grey[-round(8 * 100 / 25.4):].min() > 150, doc_type  # nothing ran off the page
    assert seen == set(DOC_TYPES)
    img, _, _ = render_page("giay_khai_sinh", random.Random(0))
    assert img.size == (2480, 3508)
    with pytest.raises(ValueError):
        render_page("passport", random.Random(0))


def test_text_is_clean_nfc(pages: list) -> None:
    for doc_type, _, text, fields in pages:
        assert text == unicodedata.normalize("NFC", text)
        for line in text.split("\n"):
            assert line and line == line.strip() and "  " not in line and "\t" not in line, \
                (doc_type, line)
        assert "..." not in text and "…" not in text
        for key, value in fields.items():
            assert value == unicodedata.normalize("NFC", value) and value == value.strip()
            if key in DATE_KEYS:
                date.fromisoformat(value)
            if key in NAME_KEYS:
                assert all(w[0].isupper() and w[1:] == w[1:].lower() for w in value.split()), \
                    value
                assert value.upper() in text or value in text, (doc_type, key, value)
            if key == "gioi_tinh":
                assert value in ("Nam", "Nữ")


def _printed_dates(d: date) -> tuple[str, ...]:
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{d.day:02d}/{d.month:02d}/{d.year}", f"ngày {d.day:02d} tháng {month} năm {d.year}"


def test_fields_are_printed_on_the_page(pages: list) -> None:
    """Every field is read off the page: its value (case aside, a line break as a space), or
    for a date its printed form; only the issuing body's full name and a letter's kind
    (``công văn``: no title) may be implied."""
    for doc_type, _, text, fields in pages:
        flat = text.replace("\n", " ").casefold()
        for key, value in fields.items():
            if key == "co_quan_ban_hanh" or (key, value) == ("loai_van_ban", "công văn"):
                continue  # a letter without a title is a công văn by definition
            if key in DATE_KEYS:
                forms = _printed_dates(date.fromisoformat(value))
                assert any(f.casefold() in flat for f in forms), (doc_type, key, value)
            else:
                assert value.casefold() in flat, (doc_type, key, value)


def _check_id(pid: str, born: date | None, female: bool | None) -> None:
    assert re.fullmatch(r"\d{12}", pid), pid
    assert pid[:3] in PROVINCE_CODES, pid
    g = int(pid[3])
    assert g in (0, 1, 2, 3), pid
    if female is not None:
        assert g % 2 == int(female), pid
    if born is not None:
        assert g // 2 == (born.year - 1900) // 100, pid
        assert pid[4:6] == f"{born.year % 100:02d}", pid


def test_ids_consistent_with_birth_date_and_sex(pages: list) -> None:
    more = [render_page(t, random.Random(seed), dpi=50) for seed in range(3, 15)
            for t in DOC_TYPES]
    for _, _, text, fields in pages + [(None, *m) for m in more]:
        born = date.fromisoformat(fields["ngay_sinh"]) if "ngay_sinh" in fields else None
        female = {"Nam": False, "Nữ": True}.get(fields.get("gioi_tinh", ""))
        if "so_dinh_danh" in fields:
            _check_id(fields["so_dinh_danh"], born, female)
            assert fields["so_dinh_danh"] in text
        if "so_dinh_danh_vo" in fields:
            _check_id(fields["so_dinh_danh_vo"], None, True)
            _check_id(fields["so_dinh_danh_chong"], None, False)
        if "so_dinh_danh_nguoi_yeu_cau" in fields:
            _check_id(fields["so_dinh_danh_nguoi_yeu_cau"], None, None)
        for pid in re.findall(r"(?<![\d<])\d{12}(?![\d<])", text):
            assert pid[:3] in PROVINCE_CODES and pid[3] in "0123", pid
        # a birth date printed next to an ID on the same page belongs to that ID's owner
        for pid in re.findall(r"(?<!\d)\d{12}(?!\d)", text):
            if born and fields.get("so_dinh_danh") == pid:
                assert pid[4:6] == f"{born.year % 100:02d}"


def test_fonts_have_every_glyph(pages: list) -> None:
    chars = {c for _, _, text, _ in pages for c in text} - {"\n", " "}
    for family, styles in FAMILIES.items():
        for style in styles:
            font = get_font(family, style, 24)
            notdef = font.getmask("\U0010fffd")
            notdef_key = (notdef.size, bytes(notdef))
            missing = [c for c in chars
                       if (font.getmask(c).size, bytes(font.getmask(c))) == notdef_key]
            assert not missing, (family, style, missing)


def test_number_and_date_words() -> None:
    assert date_words(5, 3, 1990) == "Ngày năm tháng ba năm một nghìn chín trăm chín mươi"
    assert number_words(2005) == "hai nghìn không trăm linh năm"
    assert number_words(2024) == "hai nghìn không trăm hai mươi tư"
    assert number_words(1915) == "một nghìn chín trăm mười lăm"
    assert number_words(21) == "hai mươi mốt"
    assert number_words(110) == "một trăm mười"
    assert date_words(1, 4, 2000) == "Ngày một tháng tư năm hai nghìn"


def test_mrz_check_digits() -> None:  # ICAO 9303 part 3 worked example
    assert mrz_check("L898902C3") == "6"
    assert mrz_check("740812") == "2"
    assert mrz_check("120415") == "9"


def test_blank_page() -> None:
    s = make_sample(2, dpi=200, blank=True, level="mild")
    assert s.truth.doc_type == "blank" and s.truth.blank and s.truth.text == ""
    assert s.truth.fields == {}
    grey = np.asarray(s.image.convert("L"), dtype=np.float32)
    assert np.percentile(grey, 1) > 150  # nothing legible on it


def test_truth_round_trip() -> None:
    t = make_sample(1, dpi=200, level="mild").truth
    d = json.loads(json.dumps(t.to_dict(), ensure_ascii=False))
    assert Truth.from_dict(d) == t
    assert set(d) == {"doc_type", "text", "fields", "rotation", "skew_deg", "dpi", "blank",
                      "document", "document_page"}


def test_documents_set_covers_every_type_with_two_page_papers(tmp_path: Path) -> None:
    from tests.scangen import DOC_TYPES

    results = generate_set(tmp_path, 30, seed=5, level="mild", documents=True)
    truths = [t for _, t in results]
    assert len(truths) == 30
    assert {t.doc_type for t in truths} == set(DOC_TYPES)
    papers: dict[int, list] = {}
    for t in truths:
        papers.setdefault(t.document, []).append(t)
    assert [t.document for t in truths] == sorted(t.document for t in truths)  # in order
    for pages in papers.values():
        assert [t.document_page for t in pages] == list(range(len(pages)))
        assert all(t.fields == pages[0].fields and t.doc_type == pages[0].doc_type
                   for t in pages)
    assert any(len(p) == 2 for p in papers.values())
    saved = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert [e["truth"]["document"] for e in saved] == [t.document for t in truths]


def test_card_sides_on_separate_sheets_are_one_card() -> None:
    from tests.scangen.samples import make_document

    front, back = make_document(3, doc_type="can_cuoc", level="clean", pages=2)
    assert front.truth.fields == back.truth.fields
    assert "Date of birth" in front.truth.text and "Date of birth" not in back.truth.text
    assert "<<" in back.truth.text and "<<" not in front.truth.text


def test_card_front_carries_a_decodable_qr() -> None:
    import cv2
    import numpy as np

    from pipeline.papers.qr import find_card_qr

    for seed in range(6):
        sample = make_sample(seed, doc_type="can_cuoc", level="clean")
        image = cv2.cvtColor(np.asarray(sample.image.convert("RGB")), cv2.COLOR_RGB2BGR)
        card = find_card_qr(image)
        if card is not None:
            fields = sample.truth.fields
            assert card.personal_id == fields["so_dinh_danh"]
            assert card.name == fields["ho_ten"] and card.sex == fields["gioi_tinh"]
            assert card.birth.isoformat() == fields["ngay_sinh"]
            return
    pytest.fail("no card QR decoded in 6 clean samples")


def test_land_certificate_prints_its_issuer() -> None:
    for seed in range(4):
        t = make_sample(seed, doc_type="giay_chung_nhan_qsdd", level="clean").truth
        issuer = t.fields["co_quan_ban_hanh"]
        place = issuer.split(" ", 4)[-1] if issuer.startswith("Ủy ban") else issuer
        assert place.split()[-1].upper() in t.text


# -- files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jpg", "png", "tif"])
def test_generate_set_images(tmp_path: Path, fmt: str) -> None:
    results = generate_set(tmp_path, 3, seed=7, level="mild", fmt=fmt, blank_every=3)
    assert len(results) == 3
    entries = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert [e["file"] for e in entries] == [p.name for p, _ in results]
    for (path, truth), entry in zip(results, entries, strict=True):
        assert path.exists() and path.suffix == f".{fmt}"
        assert Truth.from_dict(entry["truth"]) == truth
        with Image.open(path) as im:
            im.load()
            assert im.info["dpi"][0] == pytest.approx(truth.dpi, abs=0.1)
    assert results[2][1].blank and not results[0][1].blank


def test_generate_set_pdf(tmp_path: Path) -> None:
    results = generate_set(tmp_path / "one", 2, seed=3, level="mild", fmt="pdf")
    for path, truth in results:
        with pikepdf.open(path) as pdf:
            assert len(pdf.pages) == 1
            page = pdf.pages[0]
            images = list(page.get_images().values())
            assert len(images) == 1
            img = pikepdf.PdfImage(images[0])
            box = [float(v) for v in page.mediabox]
            assert (box[2] - box[0]) == pytest.approx(img.width * 72 / truth.dpi, abs=0.5)
            assert (box[3] - box[1]) == pytest.approx(img.height * 72 / truth.dpi, abs=0.5)
            assert img.as_pil_image().size == (img.width, img.height)
    combined = generate_set(tmp_path / "all", 3, seed=3, level="mild", fmt="pdf",
                            combine=True)
    assert {p.name for p, _ in combined} == {"scans.pdf"}
    with pikepdf.open(tmp_path / "all" / "scans.pdf") as pdf:
        assert len(pdf.pages) == 3
    entries = json.loads((tmp_path / "all" / "truth.json").read_text(encoding="utf-8"))
    assert [e["page"] for e in entries] == [0, 1, 2]


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main([str(tmp_path), "--pages", "2", "--seed", "1", "--level", "clean",
                     "--format", "png"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert sum("scan_000" in line for line in err) == 2
    assert (tmp_path / "truth.json").exists()
