"""Settling handwritten digit slots into fields (pipeline/papers/digits_settle.py): the slot
reading wins only when sure and valid, and then always flagged; what cannot be read is kept
as a flagged partial value, never dropped and never guessed."""

from __future__ import annotations

from datetime import date

from pipeline.page.slots import SlotReading, SlotReadings
from pipeline.papers.classify import PageClass
from pipeline.papers.digits_settle import settle_digits
from pipeline.papers.fields import FieldValue, PageFacts

TODAY = date(2026, 12, 5)


def _facts(slots: SlotReadings) -> list[PageFacts]:
    return [PageFacts(PageClass("van_ban_hanh_chinh", 0.9, True), [], [], slots=slots)]


def _slot(key: str, text: str, prob: float, engine: str = "") -> SlotReading:
    return SlotReading(key, text, tuple(prob for _ in text), engine, 0.8, (0, 0, 1, 1), True)


def _codes(fv: FieldValue) -> set[str]:
    return {p.code for p in fv.problems}


def _settle(fields: dict, slots: SlotReadings) -> dict:
    settle_digits(fields, _facts(slots), "so_ky_hieu", "ngay_ban_hanh", TODAY)
    return fields


def test_unread_day_stays_a_flagged_partial_date() -> None:
    slots = SlotReadings(day=_slot("day", "?", 0.3), month=_slot("month", "9", 0.95, "9"),
                         year="2024")
    fields = _settle({}, slots)
    fv = fields["ngay_ban_hanh"]
    assert fv.value == "2024-09-??"
    assert fv.needs_review and "unreadable" in _codes(fv)


def test_sure_slot_reading_wins_over_the_engine_and_is_flagged() -> None:
    fields = {"so_ky_hieu": FieldValue("44/CT-UBND", 0.9)}
    _settle(fields, SlotReadings(number=_slot("number", "11", 0.95, "44")))
    fv = fields["so_ky_hieu"]
    assert fv.value == "11/CT-UBND"
    assert {"handwritten_read", "readings_differ"} <= _codes(fv)


def test_unsure_slot_keeps_the_engine_reading_flagged() -> None:
    fields = {"so_ky_hieu": FieldValue("44/CT-UBND", 0.9)}
    _settle(fields, SlotReadings(number=_slot("number", "11", 0.5, "44")))
    fv = fields["so_ky_hieu"]
    assert fv.value == "44/CT-UBND" and "handwritten" in _codes(fv)


def test_number_read_by_nobody_keeps_the_code() -> None:
    fields = {"so_ky_hieu": FieldValue("/QĐ-BCĐ138", 0.9)}
    _settle(fields, SlotReadings(number=_slot("number", "?", 0.4)))
    fv = fields["so_ky_hieu"]
    assert fv.value == "?/QĐ-BCĐ138" and "unreadable" in _codes(fv)


def test_agreeing_readers_add_no_flag() -> None:
    fields = {"so_ky_hieu": FieldValue("35/SGDĐT-CTrTT", 0.9),
              "ngay_ban_hanh": FieldValue("2024-03-15", 0.9)}
    slots = SlotReadings(number=_slot("number", "35", 0.9, "35"),
                         day=_slot("day", "15", 0.9, "15"), month=_slot("month", "3", 0.9, "3"),
                         year="2024")
    _settle(fields, slots)
    assert fields["so_ky_hieu"].value == "35/SGDĐT-CTrTT"
    assert fields["ngay_ban_hanh"].value == "2024-03-15"
    assert not fields["so_ky_hieu"].problems and not fields["ngay_ban_hanh"].problems


def test_slot_day_that_makes_no_real_date_is_not_used() -> None:
    slots = SlotReadings(day=_slot("day", "31", 0.95), month=_slot("month", "2", 0.95, "2"),
                         year="2024")
    fv = _settle({}, slots)["ngay_ban_hanh"]
    assert fv.value == "2024-02-??" and "unreadable" in _codes(fv)


def test_slot_date_in_the_future_is_not_used() -> None:
    slots = SlotReadings(day=_slot("day", "28", 0.95), month=_slot("month", "12", 0.95, "12"),
                         year="2026")
    fv = _settle({}, slots)["ngay_ban_hanh"]
    assert fv.value == "2026-12-??" and fv.needs_review


def test_handwritten_day_read_into_a_missing_date() -> None:
    slots = SlotReadings(day=_slot("day", "6", 0.9), month=_slot("month", "1", 0.95, "01"),
                         year="2025")
    fv = _settle({}, slots)["ngay_ban_hanh"]
    assert fv.value == "2025-01-06"
    assert "handwritten_read" in _codes(fv)


def test_a_read_slot_replaces_the_not_read_flag() -> None:
    from pipeline.papers.validate import Problem

    fv = FieldValue("?/QĐ-UBND", 0.9)
    fv.flag(Problem("handwritten", "Phần viết tay chưa đọc được, cần nhập", "not read"))
    fields = _settle({"so_ky_hieu": fv}, SlotReadings(number=_slot("number", "86", 0.95)))
    assert fields["so_ky_hieu"].value == "86/QĐ-UBND"
    assert _codes(fields["so_ky_hieu"]) == {"handwritten_read"}


def test_printed_number_read_confidently_stays_the_engines() -> None:
    reading = SlotReading("number", "17661", (0.9,) * 5, "1766", 0.9, (0, 0, 1, 1), True,
                          "/STNMT-QLĐĐ", printed=True)
    fields = _settle({"so_ky_hieu": FieldValue("1766/STNMT-QLĐĐ", 0.9)},
                     SlotReadings(number=reading))
    assert fields["so_ky_hieu"].value == "1766/STNMT-QLĐĐ"
    assert fields["so_ky_hieu"].needs_review  # the two readers disagree: an officer looks


def test_a_digit_model_that_misreads_print_on_the_page_overrules_nothing_there() -> None:
    """A low-resolution screenshot: the digit model reads the printed day "26" as "76"
    (sure of it); its sure "743" for the number, where the engine read "243", is not
    taken either — the engine's digits stay, flagged."""
    from dataclasses import replace

    day = replace(_slot("day", "76", 0.95, "26"), engine_confidence=0.96)
    number = _slot("number", "743", 0.95, "243")
    fields = {"so_ky_hieu": FieldValue("243/KH-UBND", 0.7),
              "ngay_ban_hanh": FieldValue("2022-12-26", 0.9)}
    _settle(fields, SlotReadings(number=number, day=day, year="2022"))
    fv = fields["so_ky_hieu"]
    assert fv.value == "243/KH-UBND" and "readings_differ" in _codes(fv)
    assert fields["ngay_ban_hanh"].value == "2022-12-26"
    # the same number slot on a page where the model agrees with the print: it wins
    day = replace(_slot("day", "26", 0.95, "26"), engine_confidence=0.96)
    fields = {"so_ky_hieu": FieldValue("243/KH-UBND", 0.7)}
    _settle(fields, SlotReadings(number=number, day=day, year="2022"))
    assert fields["so_ky_hieu"].value == "743/KH-UBND"
