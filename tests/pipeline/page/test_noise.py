"""Word and line noise filters: only what is provably not text is dropped."""

from __future__ import annotations

from ocr_models import Word
from ocr_models.vietnamese import SyllableLexicon
from pipeline.page.process import _drop_noise, _noise_line

LEXICON = SyllableLexicon(["tổ", "chức", "căn", "cứ"])


def _w(text: str, conf: float, x: int = 100, h: int = 30, line: int = 1) -> Word:
    return Word(text, x, 100 * line, 20 * len(text), h, conf, 1, 1, line)


def test_unsure_numbers_codes_and_short_words_are_kept() -> None:
    # handwritten numbers, a reference code and a short word read with low confidence
    words = [_w("Số:", 0.9), _w("86", 0.12, 200), _w("/QĐ-UBND", 0.8, 260),
             _w("573/TTr-SNV", 0.25, 500), _w("Tổ", 0.2, 800), _w("chức", 0.9, 860)]
    assert [w.text for w in _drop_noise(words, LEXICON)] == [w.text for w in words]


def test_dust_and_seal_fragments_are_dropped() -> None:
    words = [_w("Căn", 0.9), _w("cứ", 0.9, 200), _w("|", 0.3, 300), _w(".", 0.2, 350),
             _w("~=", 0.9, 400), _w("ẽĩ", 0.3, 600, h=140), _w("-", 0.9, 900),
             _w("À", 0.3, 1000), _w("4", 0.3, 1100), _w("ÀS", 0.3, 1200)]
    assert [w.text for w in _drop_noise(words, LEXICON)] == ["Căn", "cứ", "-", "4"]


def test_a_line_with_one_word_read_surely_survives() -> None:
    handwritten = [_w("ngày", 0.35), _w("1ó", 0.1, 200), _w("tháng", 0.25, 300)]
    assert not _noise_line(handwritten)
    photo = [_w("ẩẽ", 0.1), _w("ii", 0.2, 200)]
    assert _noise_line(photo)
    assert not _noise_line([_w("IDVNM<<0123", 0.2)])  # machine-readable zone
