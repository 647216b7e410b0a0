"""Vietnamese post-processing: NFC everywhere, repairs only when unambiguous."""

from __future__ import annotations

import unicodedata

import pytest

from common.vn import nfc
from ocr_models.vietnamese import SyllableLexicon, correct_text, correct_token, default_lexicon

LEXICON = SyllableLexicon(["nghĩa", "việt", "viết", "quyết", "định", "hoà", "thuỷ", "nguyễn",
                           "nguyên", "hồng", "nhung", "được", "đước", "cộng", "hòa"])


def test_nfd_input_becomes_nfc() -> None:
    text = unicodedata.normalize("NFD", "QUYẾT ĐỊNH Nguyễn Thị Hồng Nhung")
    assert text != nfc(text)
    out = correct_text(text, LEXICON)
    assert out == unicodedata.normalize("NFC", text)
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize(("word", "fixed"), [
    ("nghia", "nghĩa"), ("nghịa", "nghĩa"), ("QUYÊT", "QUYẾT"), ("ĐINH", "ĐỊNH"),
    ("Nhụng", "Nhung"), ("(nghia),", "(nghĩa),"),
])
def test_unambiguous_diacritic_errors_are_repaired(word: str, fixed: str) -> None:
    assert correct_token(word, LEXICON) == fixed


@pytest.mark.parametrize("word", [
    "Viêt",            # Việt or Viết: ambiguous, left alone
    "đươc",            # được or đước
    "Nguyen",          # Nguyễn or Nguyên
    "Hồng",            # valid: never changed
    "hòa", "hoà", "thủy", "thuỷ",  # both tone placements are valid
    "052190012345", "15/QĐ-UBND", "AA", "01234567", "UBND", "Smith", "x",
])
def test_valid_ambiguous_codes_and_foreign_words_are_kept(word: str) -> None:
    assert correct_token(word, LEXICON) == word


def test_whitespace_is_kept() -> None:
    assert correct_text("Số:  15/QĐ-UBND\nnghia", LEXICON) == "Số:  15/QĐ-UBND\nnghĩa"


def test_hunspell_syllable_list_loads() -> None:
    lexicon = default_lexicon()
    if lexicon is None:
        pytest.skip("hunspell-vi not installed")
    assert len(lexicon) > 6000
    for word in ("Nguyễn", "nghĩa", "QUYẾT", "hòa", "hoà", "thủy", "thuỷ", "được"):
        assert word in lexicon
