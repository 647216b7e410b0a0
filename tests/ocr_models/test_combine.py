"""The combination rule: which reader to believe per word, and what is never changed."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ocr_models import combine as C
from ocr_models.aster import Char, LineReading
from ocr_models.base import OcrResult, Word
from ocr_models.vietnamese import SyllableLexicon

LEXICON = SyllableLexicon(["nguồn", "nguyễn", "nguyên", "số", "sô", "tổ", "tô",
                           "chức", "vốn", "đổi", "đối", "văn", "vân", "an", "ân", "ngày",
                           "tháng", "năm", "điều", "quyền", "ông", "luật"])


def _word(text: str, left: int, conf: float = 0.95, line: int = 1) -> Word:
    return Word(text, left, 100 * line, 20 * len(text), 30, conf, 1, 1, line)


def _reading(words: list[Word], texts: list[str], conf: float = 0.99) -> LineReading:
    """AsterNet reading ``texts`` at the boxes of ``words``."""
    chars: list[Char] = []
    for word, text in zip(words, texts, strict=True):
        if chars:
            chars.append(Char(" ", 1.0, word.left - 5, word.left - 5))
        step = word.width / max(1, len(text))
        chars.extend(Char(ch, conf, word.left + i * step, word.left + (i + 1) * step)
                     for i, ch in enumerate(text))
    return LineReading(tuple(chars))


class FakeReader:
    def __init__(self, texts: dict[int, list[str]], conf: float = 0.99) -> None:
        self.texts, self.conf, self.calls = texts, conf, 0
        self.words: dict[int, list[Word]] = {}

    def read_line(self, image, box, gaps) -> LineReading:
        """The scripted reading of the words inside ``box``."""
        self.calls += 1
        inside = [(w, self.texts[n][i]) for n, ws in self.words.items()
                  for i, w in enumerate(ws)
                  if box[1] <= w.top < box[3] and box[0] <= w.left < box[2]]
        return _reading([w for w, _ in inside], [t for _, t in inside], self.conf)


def _combine(lines: list[list[tuple[str, float]]], aster: dict[int, list[str]],
             aster_conf: float = 0.99, rule: C.Rule = C.DEFAULT_RULE):
    words, by_line = [], {}
    for n, line in enumerate(lines, start=1):
        x, ws = 10 * n, []
        for text, conf in line:
            ws.append(_word(text, x, conf, n))
            x += 20 * len(text) + 15
        by_line[n] = ws
        words.extend(ws)
    reader = FakeReader(aster, aster_conf)
    reader.words = by_line
    result = OcrResult(words=tuple(words), engine="tesseract", size=(3000, 3000))
    out, stats = C.combine(result, np.zeros((10, 10), np.uint8), reader, LEXICON, rule)
    return out, stats, reader


def test_twelve_digit_number_is_never_changed_without_a_mark() -> None:
    rng = random.Random(15)
    for _ in range(200):
        number = "".join(rng.choice("0123456789") for _ in range(12))
        pos = rng.randrange(12)
        other = number[:pos] + str((int(number[pos]) + rng.randrange(1, 10)) % 10) + \
            number[pos + 1:]
        tess_conf = rng.uniform(0.0, 1.0)
        word = C.choose(_word(number, 0, tess_conf), other, 1.0, LEXICON)
        assert word.text == number
        assert word.alternatives == (other,)


@pytest.mark.parametrize(("tess", "other"), [
    ("15/QĐ-UBND", "15/QĐ-UBNĐ"),
    ("QĐ-UBND", "QD-UBND"),
    ("AB-123", "AB-128"),
    ("0912.345.678", "0912.345.578"),
    ("số", "số1"),  # a digit in the other reading only
])
def test_codes_keep_tesseract_and_are_disputed(tess: str, other: str) -> None:
    word = C.choose(_word(tess, 0, 0.30), other, 1.0, LEXICON)
    assert word.text == tess
    assert other in word.alternatives


@pytest.mark.parametrize(("tess", "other"), [
    ("Nguyễn", "Nguyên"), ("NGUYỄN", "NGUYÊN"), ("Tô", "Tổ"), ("An", "Ân")])
def test_names_keep_tesseract_and_are_disputed(tess: str, other: str) -> None:
    word = C.choose(_word(tess, 0, 0.30), other, 1.0, LEXICON, name=True)
    assert word.text == tess
    assert other in word.alternatives


@pytest.mark.parametrize(("line", "names"), [
    ("ông Trần Văn Mẫn giữ chức", "Trần Văn Mẫn"),
    ("Ông Nguyễn Văn An", "Nguyễn Văn An"),
    ("Họ và tên: NGUYỄN VĂN AN", "NGUYỄN VĂN AN"),
    ("giao bà Mai thực hiện", "Mai"),
    ("Luật Tổ chức Chính phủ", ""),  # capitalised, but no surname run: not a name
    ("TM. ỦY BAN NHÂN DÂN CHU TỊCH", ""),  # "CHỦ TỊCH" misread: not a name
    ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", ""),
])
def test_name_words(line: str, names: str) -> None:
    words = line.split()
    found = C.name_words([(w, "") for w in words])
    assert " ".join(words[i] for i in sorted(found)) == names


def test_a_name_is_found_from_either_reading() -> None:
    # Tesseract read the surname as a common word; AsterNet's reading makes it a name
    assert C.name_words([("Ngoài", "Ngô"), ("Bảo", "Bảo"), ("Châu", "Châu")]) == {0, 1, 2}


def test_name_in_a_line_is_never_changed_but_a_header_word_may_be() -> None:
    out, stats, _ = _combine(
        [[("ông", 0.96), ("Nguyên", 0.5), ("Văn", 0.5), ("An", 0.5)],
         [("Luật", 0.5), ("Tô", 0.5), ("chức", 0.99)]],
        {1: ["ông", "Nguyễn", "Vân", "Ân"], 2: ["Luật", "Tổ", "chức"]})
    assert [w.text for w in out.words] == ["ông", "Nguyên", "Văn", "An", "Luật", "Tổ", "chức"]
    assert [w.alternatives for w in out.words[1:4]] == [("Nguyễn",), ("Vân",), ("Ân",)]
    assert out.words[5].alternatives == ("Tô",)  # changed, Tesseract's reading kept


def test_invalid_syllable_takes_the_valid_reading_and_keeps_the_old_one() -> None:
    word = C.choose(_word("nguôn,", 0, 0.9), "nguồn", 0.6, LEXICON)
    assert word.text == "nguồn,"  # Tesseract's punctuation kept
    assert word.alternatives == ("nguôn,",)
    assert word.confidence == pytest.approx(0.75)  # the two readers' mean


def test_valid_syllable_is_not_replaced_by_an_invalid_one() -> None:
    word = C.choose(_word("vốn", 0, 0.5), "vónn", 1.0, LEXICON)
    assert word.text == "vốn" and not word.alternatives


def test_two_valid_syllables_surer_reader_wins() -> None:
    unsure = C.choose(_word("đổi", 0, 0.40), "đối", 0.99, LEXICON)
    assert unsure.text == "đối" and unsure.alternatives == ("đổi",)
    sure = C.choose(_word("đổi", 0, 0.96), "đối", 0.97, LEXICON)
    assert sure.text == "đổi"


def test_agreement_keeps_tesseracts_confidence() -> None:
    word = C.choose(_word("điều", 0, 0.5), "điều", 0.9, LEXICON)
    assert word.text == "điều" and word.confidence == 0.5 and not word.alternatives


def test_combine_end_to_end_marks_and_repairs() -> None:
    out, stats, reader = _combine(
        [[("Số", 0.96), ("001234567890", 0.97), ("nguôn", 0.6)],
         [("ngày", 0.99), ("tháng", 0.99)]],  # sure, no digits, valid: not re-read
        {1: ["Số", "001234567899", "nguồn"], 2: ["ngàv", "tháng"]})
    assert reader.calls == 1  # one run: the number and "nguôn"; not the sure line
    assert [w.text for w in out.words] == ["Số", "001234567890", "nguồn", "ngày", "tháng"]
    number = out.words[1]
    assert number.alternatives == ("001234567899",)
    assert {k: stats[k] for k in ("lines", "reread", "changed", "disputed")} == \
        {"lines": 2, "reread": 1, "changed": 1, "disputed": 1}
    assert out.text == "Số 001234567890 nguồn\nngày tháng"


def test_whole_lines_are_read_with_negative_context() -> None:
    rule = C.Rule(context=-1)
    out, _, reader = _combine([[("Số", 0.99), ("nguôn", 0.6), ("tháng", 0.99)]],
                              {1: ["Sô", "nguồn", "thang"]}, rule=rule)
    assert reader.calls == 1
    # "Số", "tháng": valid, sure and commoner than the other reading: kept; "nguôn" repaired
    assert [w.text for w in out.words] == ["Số", "nguồn", "tháng"]
    assert [w.alternatives for w in out.words] == [(), ("nguôn",), ()]


def test_spans() -> None:
    words = [_word(t, 10 + 100 * i, c) for i, (t, c) in
             enumerate([("a", 0.99), ("b", 0.5), ("c", 0.99), ("d", 0.99), ("e", 0.5)])]
    text = lambda runs: [[w.text for w in r] for r in runs]  # noqa: E731
    assert text(C.spans(words, None, C.Rule(context=0))) == [["b"], ["e"]]
    assert text(C.spans(words, None, C.Rule(context=1))) == [["a", "b", "c", "d", "e"]]
    assert text(C.spans(words, None, C.Rule(context=-1))) == [["a", "b", "c", "d", "e"]]
    assert C.spans(words[:1], None) == []


def test_words_cut_differently_are_left_alone() -> None:
    # AsterNet reads two words as one, spanning both boxes: no one-to-one pairing
    words = [_word("tô", 10, 0.3), _word("chúc", 65, 0.3)]
    merged = _word("tổchức", 10)
    merged = Word(merged.text, 10, 100, 135, 30, 0.99)
    pairs = C.pair_words(words, _reading([merged], ["tổchức"]))
    assert [text for _, text, _ in pairs] == ["", ""]


def test_protected_tokens() -> None:
    assert C.protected("001234567890")
    assert C.protected("15/QĐ-UBND")
    assert not C.protected("Nguyễn")  # names are found in their line: name_words
    assert not C.protected("(TTHC),")
    assert not C.protected("nguồn,")
    assert C.protected("kinh-tế")  # letters joined by '-' count as a code


def test_needs_second_reading() -> None:
    assert not C.needs_second_reading([_word("tháng", 0, 0.99)], LEXICON)
    assert C.needs_second_reading([_word("tháng", 0, 0.5)], LEXICON)
    assert C.needs_second_reading([_word("2025", 0, 0.99)], LEXICON)
    assert C.needs_second_reading([_word("nguôm", 0, 0.99)], LEXICON)


def test_budget_reads_the_least_sure_runs_first() -> None:
    lines = [[("nguôn", 0.9), ("tháng", 0.99), ("vôn", 0.99)],
             [("tháng", 0.99), ("nguôn", 0.2)]]
    aster = {1: ["nguồn", "tháng", "vốn"], 2: ["tháng", "nguồn"]}
    # every word is 20 px a letter and 30 px high: "nguôn" is 100/30 = 3.3 line heights
    out, stats, reader = _combine(lines, aster, rule=C.Rule(budget=4))
    assert reader.calls == 1 and stats["width"] <= 4
    assert [w.text for w in out.words] == ["nguôn", "tháng", "vôn", "tháng", "nguồn"]
    out, _, reader = _combine(lines, aster, rule=C.Rule(budget=0))
    assert reader.calls == 3
