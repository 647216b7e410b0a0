"""Settling personal IDs handwritten into boxes (pipeline/papers/digits_settle.py,
settle_id_boxes): a box reading becomes the ID only when sure and valid, and is then
always flagged ``handwritten``; an unsure reading is kept with ``?`` and ``unreadable``;
a valid engine reading stays unless the boxes confidently and validly say otherwise; a
row of empty boxes makes no value; the JSON contract is unchanged."""

from __future__ import annotations

import json

from ocr_models.base import Word
from pipeline.page.idbox import IdBoxReading
from pipeline.papers.classify import PageClass
from pipeline.papers.digits_settle import settle_id_boxes
from pipeline.papers.extract import Candidate
from pipeline.papers.fields import Document, FieldValue, PageFacts, portal_value

PID = "079203001234"  # Ho Chi Minh City (079), a man born in 2003
OTHER = "001203004321"  # Hanoi, the same birth year


def _row(text: str, prob: float = 0.95, engine: str = "", conf: float = 0.3,
         suffix: str = "", cells: int = 12, choices=None) -> IdBoxReading:
    return IdBoxReading(suffix, "Số định danh cá nhân:", cells, text,
                        tuple(0.0 if c == "?" else prob for c in text),
                        choices or tuple(((c, prob), ("1", 0.02)) for c in text),
                        engine, conf, (300, 100, 900, 140), (50, 105, 280, 135))


def _facts(*rows: IdBoxReading, cands=()) -> list[PageFacts]:
    return [PageFacts(PageClass("to_khai", 0.9, True), list(cands), [], idboxes=list(rows))]


def _codes(fv: FieldValue) -> set[str]:
    return {p.code for p in fv.problems}


def test_sure_valid_box_reading_fills_the_field_flagged_handwritten() -> None:
    fields: dict = {}
    settle_id_boxes(fields, _facts(_row(PID)))
    fv = fields["so_dinh_danh"]
    assert fv.value == PID and fv.needs_review and "handwritten" in _codes(fv)
    assert fv.source == "ocr+digits"


def test_unsure_digits_are_kept_as_question_marks_unreadable() -> None:
    fields: dict = {}
    settle_id_boxes(fields, _facts(_row("0792030?1234")))
    fv = fields["so_dinh_danh"]
    assert fv.value == "0792030?1234"
    assert {"handwritten", "unreadable"} <= _codes(fv)
    assert portal_value("so_dinh_danh", fv.value) is None  # never exported as an ID


def test_fewer_filled_cells_than_digits_is_unreadable() -> None:
    fields: dict = {}
    settle_id_boxes(fields, _facts(_row("07920300")))
    fv = fields["so_dinh_danh"]
    assert fv.value == "07920300" and "unreadable" in _codes(fv)


def test_sure_reading_that_fails_the_id_check_is_not_taken_as_valid() -> None:
    fields = {"ngay_sinh": FieldValue("1990-05-01", 0.9), "gioi_tinh": FieldValue("Nam", 0.9)}
    settle_id_boxes(fields, _facts(_row(PID)))  # century/year digits say 2003
    fv = fields["so_dinh_danh"]
    assert fv.needs_review and "handwritten" in _codes(fv)


def test_valid_engine_reading_that_agrees_stays_unflagged() -> None:
    fields = {"so_dinh_danh": FieldValue(PID, 0.97)}
    settle_id_boxes(fields, _facts(_row(PID)))
    assert fields["so_dinh_danh"].value == PID and not fields["so_dinh_danh"].problems


def test_valid_engine_reading_and_a_different_sure_box_reading_are_flagged() -> None:
    fields = {"so_dinh_danh": FieldValue(PID, 0.8)}
    settle_id_boxes(fields, _facts(_row(OTHER)))
    fv = fields["so_dinh_danh"]
    assert fv.value == OTHER and {"handwritten", "readings_differ"} <= _codes(fv)
    # printed (typed into the boxes, read with confidence): the engine's stays, flagged
    fields = {"so_dinh_danh": FieldValue(PID, 0.98)}
    settle_id_boxes(fields, _facts(_row(OTHER)))
    fv = fields["so_dinh_danh"]
    assert fv.value == PID and "readings_differ" in _codes(fv)


def test_valid_engine_reading_with_an_unsure_box_reading_stays_flagged() -> None:
    fields = {"so_dinh_danh": FieldValue(PID, 0.8)}
    settle_id_boxes(fields, _facts(_row("0?120300123?")))
    fv = fields["so_dinh_danh"]
    assert fv.value == PID and "handwritten" in _codes(fv)


def test_unsure_structured_digit_resolved_by_the_id_check() -> None:
    """The province's last digit hesitates between 1 and 9: "071" is no province code of
    the table, "079" is; the serial digits cannot be checked and would stay "?"."""
    choices = tuple(((c, 0.95), ("8", 0.01)) for c in PID)
    choices = (*choices[:2], (("1", 0.5), ("9", 0.45)), *choices[3:])
    fields: dict = {}
    settle_id_boxes(fields, _facts(_row("07?203001234", choices=choices)))
    fv = fields["so_dinh_danh"]
    assert fv.value == PID and "handwritten" in _codes(fv)
    choices = (*choices[:8], (("1", 0.5), ("7", 0.45)), *choices[9:])
    fields = {}
    settle_id_boxes(fields, _facts(_row("0792030?1234", choices=choices)))
    assert fields["so_dinh_danh"].value == "0792030?1234"


def test_empty_row_makes_no_value_and_the_owner_comes_from_the_label_or_block() -> None:
    fields: dict = {}
    settle_id_boxes(fields, _facts(_row(""), _row(OTHER, suffix="_chu_ho")))
    assert list(fields) == ["so_dinh_danh_chu_ho"]
    # a candidate on the label's line knows the person's block ("người yêu cầu")
    word = Word("|||", 300, 108, 600, 25, 0.2, 1, 1, 1)
    cand = Candidate("so_dinh_danh_nguoi_yeu_cau", "|||", "id", [word])
    fields = {}
    settle_id_boxes(fields, _facts(_row(PID), cands=[cand]))
    assert list(fields) == ["so_dinh_danh_nguoi_yeu_cau"]


def test_json_contract_and_owner_of_a_partly_read_id() -> None:
    fields: dict = {}
    settle_id_boxes(fields, _facts(_row("0792030?1234")))
    doc = Document("to_khai", [0], 0.9, fields)
    data = json.loads(json.dumps(doc.to_json()))
    fv = data["fields"]["so_dinh_danh"]
    assert set(fv) == {"value", "confidence", "source", "needs_review", "reasons"}
    assert fv["needs_review"] is True
    assert {r["code"] for r in fv["reasons"]} >= {"handwritten", "unreadable"}
    assert all(set(r) == {"code", "message", "message_en"} for r in fv["reasons"])
    assert doc.owner()[0] is None  # a partly read ID is nobody's MaChuGiayTo


def test_label_without_boxes_keeps_its_field() -> None:
    """No boxes after "Số CCCD:" but digits read there: a valid ID is taken as read; an
    invalid one leaves "?" flagged unreadable; a field the field stage made stays."""
    def loose(engine: str) -> IdBoxReading:
        return IdBoxReading("", "Số CCCD:", 0, "?", (0.0,), ((),), engine, 0.9,
                            (300, 100, 700, 140), (50, 105, 280, 135))

    fields: dict = {}
    settle_id_boxes(fields, _facts(loose(PID)))
    assert fields["so_dinh_danh"].value == PID and not fields["so_dinh_danh"].problems
    fields = {}
    settle_id_boxes(fields, _facts(loose("07920")))
    fv = fields["so_dinh_danh"]
    assert fv.value == "?" and "unreadable" in _codes(fv)
    fields = {"so_dinh_danh": FieldValue(OTHER, 0.9)}
    settle_id_boxes(fields, _facts(loose(PID)))
    assert fields["so_dinh_danh"].value == OTHER and not fields["so_dinh_danh"].problems


def _freehand(text: str, prob: float = 0.95, engine: str = "") -> IdBoxReading:
    """A number written freehand on the fill-in line after the label (no boxes)."""
    return IdBoxReading("", "Số CCCD:", 0, text,
                        tuple(0.0 if c == "?" else prob for c in text),
                        tuple(((c, prob), ("1", 0.02)) for c in text), engine, 0.1,
                        (300, 100, 900, 140), (50, 105, 280, 135), freehand=True)


def test_freehand_number_not_read_in_full_is_kept_flagged_and_never_an_id() -> None:
    """Ink written after the label, nothing valid read: the field is made with what the
    digit model read ("?" where it was unsure), flagged handwritten and unreadable, and
    is nobody's MaChuGiayTo — also when every glyph read was a sure digit but some are
    missing (a "?" marks the missing part)."""
    for text, value in (("0792030?1234", "0792030?1234"), ("07920300123", "07920300123?"),
                        ("???????", "???????")):
        fields: dict = {}
        settle_id_boxes(fields, _facts(_freehand(text)))
        fv = fields["so_dinh_danh"]
        assert fv.value == value
        assert {"handwritten", "unreadable"} <= _codes(fv) and fv.needs_review
        assert fv.confidence == 0.0 and portal_value("so_dinh_danh", fv.value) is None
        assert Document("to_khai", [0], 0.9, fields).owner()[0] is None


def test_freehand_sure_valid_id_is_taken_flagged_handwritten() -> None:
    fields: dict = {}
    settle_id_boxes(fields, _facts(_freehand(PID)))
    fv = fields["so_dinh_danh"]
    assert fv.value == PID and _codes(fv) == {"handwritten"} and fv.source == "ocr+digits"


def test_freehand_reading_replaces_the_engine_garbage_but_not_a_valid_id() -> None:
    """The field stage took the engine's garbage read of the handwriting ("Ø⁄2\\6 Lãi"):
    the digit model's reading replaces it; a valid ID it read stays."""
    fields = {"so_dinh_danh": FieldValue("Ø⁄2\\6 Lãi", 0.3)}
    settle_id_boxes(fields, _facts(_freehand("0792030?1234", engine="Ø⁄2\\6Lãi")))
    fv = fields["so_dinh_danh"]
    assert fv.value == "0792030?1234" and {"handwritten", "unreadable"} <= _codes(fv)
    fields = {"so_dinh_danh": FieldValue(OTHER, 0.9)}
    settle_id_boxes(fields, _facts(_freehand("0792030?1234")))
    assert fields["so_dinh_danh"].value == OTHER and not fields["so_dinh_danh"].problems


def test_nine_box_cmnd_read_in_full_is_kept_and_never_exported_as_a_cccd() -> None:
    fields: dict = {}
    settle_id_boxes(fields, _facts(_row("123456789", cells=9)))
    fv = fields["so_dinh_danh"]
    assert fv.value == "123456789" and "handwritten" in _codes(fv)
    assert "unreadable" not in _codes(fv)
    assert Document("to_khai", [0], 0.9, fields).owner()[0] is None
    fields = {}
    settle_id_boxes(fields, _facts(_row("1234?6789", cells=9)))
    assert "unreadable" in _codes(fields["so_dinh_danh"])


def test_a_blank_with_writing_seen_on_it_is_kept_unread_and_flagged() -> None:
    """Only the dots of "Họ và tên: ……" read, writing seen on them by the page stage:
    the field is kept as "?" flagged handwritten + unreadable (never silently missing)
    and is no owner name; the same dots with nothing written make no field."""
    from pipeline.papers.fields import build_documents

    dots = Word("." * 40, 300, 120, 900, 12, 0.4, 1, 1, 1)
    for written in (True, False):
        cand = Candidate("ho_ten", dots.text, "name", [dots], written=written)
        doc = build_documents(_facts(cands=[cand]))[0]
        if written:
            fv = doc.fields["ho_ten"]
            assert fv.value == "?" and {"handwritten", "unreadable"} <= _codes(fv)
            assert doc.owner() == (None, None)
        else:
            assert "ho_ten" not in doc.fields
