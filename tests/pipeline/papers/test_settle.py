"""Settled field values in the page text and the PDF text layer (pipeline.papers.settle,
pipeline.page.pool.settle_text). Fast: words made by hand, the real field stage, no OCR."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ocr_models.base import Word
from pipeline.page.encode import encode_page
from pipeline.page.pool import settle_text
from pipeline.page.process import PageResult
from pipeline.papers.extract import Candidate
from pipeline.papers.fields import Document, FieldValue, documents_for_pages, page_facts
from pipeline.papers.settle import replacements_for, settle_pages
from pipeline.papers.validate import Problem
from pipeline.pdfa import write_page_pdf

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")

BIRTH = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "GIẤY KHAI SINH",
         "Họ, chữ đệm, tên: NGUYÊN THANH NHẬT", "Ngày, tháng, năm sinh: 05/03/2001",
         "Giới tính: Nam Dân tộc: Kinh Quốc tịch: Việt Nam",
         "Nơi sinh: Trạm Y tế xã Tân Lập", "Năm nay ông NGUYÊN THANH NHẬT, đã đăng ký"]


def _page(lines: list[str], index: int = 0) -> PageResult:
    words = []
    for li, line in enumerate(lines):
        x = 100
        for text in line.split():
            words.append(Word(text, x, 200 + 90 * li, 22 * len(text), 50, 0.93, 0, 0, li))
            x += 22 * len(text) + 20
    text = "\n".join(lines)
    page = PageResult(source="giay.png", index=index, text=text, words=words, dpi=300)
    page.facts = page_facts(words, text, page=index)
    return page


def test_corrected_family_name_goes_into_the_text_and_stays_flagged() -> None:
    page = _page(BIRTH)
    [doc] = documents_for_pages([page])
    name = doc.fields["ho_ten"]
    assert name.value == "Nguyễn Thanh Nhật"
    assert [p.code for p in name.problems] == ["name_corrected"]
    before = [w.text for w in page.words]
    assert settle_pages([doc], [page]) == {0}
    lines = page.text.split("\n")
    # upper case as printed; the same name printed again further down changes too, its
    # comma kept; nothing else on the page changes
    assert lines[3] == "Họ, chữ đệm, tên: NGUYỄN THANH NHẬT"
    assert lines[7] == "Năm nay ông NGUYỄN THANH NHẬT, đã đăng ký"
    changed = [(a, b.text) for a, b in zip(before, page.words, strict=True) if a != b.text]
    assert changed == [("NGUYÊN", "NGUYỄN"), ("NGUYÊN", "NGUYỄN")]
    assert "Năm nay" in page.text and "Giới tính: Nam" in page.text  # "Nam" is no search key
    # the field keeps its own form and its flag; the fields built again are the same
    assert doc.fields["ho_ten"].to_json()["needs_review"] is True
    [again] = documents_for_pages([page])
    assert again.to_json() == doc.to_json()
    assert settle_pages([again], [page]) == set()  # settling twice changes nothing more


def test_settled_value_keeps_the_printed_case_and_unsure_fields_stay_as_read() -> None:
    page = _page(["Họ và tên: Nguyên Văn An", "Nơi cư trú: xã Tân Lập, huyện Đông Hưng"])
    name_words = page.words[3:6]
    place_words = page.words[9:11]
    cands = [Candidate("ho_ten", "Nguyên Văn An", "name", name_words),
             Candidate("noi_cu_tru", "Tân Lap", "address", place_words)]
    page.facts.candidates[:] = cands
    doc = Document("khac", [0], 1.0, {
        "ho_ten": FieldValue("Nguyễn Văn An", 1.0, "qr"),
        "noi_cu_tru": FieldValue("Tân Lập", 0.6, "ocr", problems=[
            Problem("readings_differ", "Hai lần đọc khác nhau", "two readings differ")]),
        "ngay_sinh": FieldValue("2001-03-05", 0.9),
    })
    reps = replacements_for([doc], [page])
    assert [(r.old, r.new, r.key) for r in reps] == [("Nguyên", "Nguyễn", "ho_ten")]
    settle_pages([doc], [page])
    assert page.text.split("\n")[0] == "Họ và tên: Nguyễn Văn An"
    assert "Tân Lập" in page.text  # the unsure field did not touch the page's reading


def test_garbled_words_are_not_overwritten_by_a_different_value() -> None:
    page = _page(["Họ và tên: XYZQ Văn An"])
    page.facts.candidates[:] = [Candidate("ho_ten", "XYZQ Văn An", "name", page.words[3:6])]
    doc = Document("khac", [0], 1.0, {"ho_ten": FieldValue("Trần Văn An", 1.0, "qr")})
    assert replacements_for([doc], [page]) == []


@needs_poppler
def test_settled_name_is_in_the_pdf_text_layer_and_the_json_text(tmp_path: Path) -> None:
    page = _page(BIRTH)
    image = np.full((3508, 2480), 255, np.uint8)
    page.pdf = str(write_page_pdf(encode_page(image, 300), tmp_path / "page.pdf", dpi=300,
                                  words=page.words))
    [doc] = settle_text([page])
    assert doc.fields["ho_ten"].needs_review
    assert "NGUYỄN THANH NHẬT" in page.to_json()["text"]
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", page.pdf, "-"], capture_output=True,
                          check=True).stdout.decode()
    assert "NGUYỄN THANH NHẬT" in text and "NGUYÊN" not in text
    assert "Giới tính: Nam" in " ".join(text.split())


@needs_poppler
def test_sohoa_ocr_json_and_pdf_carry_the_settled_name(tmp_path: Path, capsys,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole command: scripted OCR reads "NGUYÊN"; the JSON text, the PDF text layer and
    the flagged field all come out as the field stage settled them."""
    import json

    from PIL import Image

    from cli import main
    from ocr_models.fake import FakeEngine
    from pipeline.page import process

    arr = np.full((3508, 2480), 240, np.uint8)
    for y in range(300, 1500, 130):
        arr[y:y + 30, 250:2100] = 30
    Image.fromarray(arr).save(tmp_path / "giay.png", dpi=(300, 300))
    monkeypatch.setitem(process._ENGINES, "fake", FakeEngine(BIRTH, confidence=0.93))
    out = tmp_path / "giay.pdf"
    code = main(["ocr", str(tmp_path / "giay.png"), "--json", "--pdf", str(out), "--engine",
                 "fake", "--workers", "1", "--quiet"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    [page] = data["pages"]
    assert "tên: NGUYỄN THANH NHẬT" in page["text"] and "NGUYÊN" not in page["text"]
    name = data["documents"][0]["fields"]["ho_ten"]
    assert name["value"] == "Nguyễn Thanh Nhật" and name["needs_review"] is True
    assert [r["code"] for r in name["reasons"]] == ["name_corrected"]
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True,
                          check=True).stdout.decode()
    assert "Nguyễn".upper() in text and "NGUYÊN" not in text
