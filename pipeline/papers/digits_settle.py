"""Settling handwritten and stamped digits: the number and the date line of a paper from
the engine's reading and the digit slots' reading (:mod:`pipeline.page.slots`).

Rules, per slot (the number, the day, the month):

* both readers agree → that value, nothing added;
* the slot reading is sure (every glyph a digit with probability ≥ 0.7) and passes the
  validators (number 1–5 digits, day 1–31, month 1–12, a real calendar date not in the
  future) but differs from the engine → the slot reading wins and the field is flagged
  (``handwritten_read``, and ``readings_differ`` when the engine had digits there) —
  unless the engine's digits look printed (read run together with the code, or with
  word confidence ≥ 0.95): then the engine's stay, flagged ``readings_differ`` (the digit
  model is for what the engine fails on, not a second opinion on print);
* the digit model contradicts digits the engine read as print (a sure slot reading that
  differs from them) → it misreads this page's glyphs (a low-resolution screenshot, an
  unusual typeface): on this page it overrules the engine nowhere, and where both have
  valid digits the engine's stay, flagged ``readings_differ``;
* the slot reading is not sure → the engine's digits when they pass the validators,
  flagged ``handwritten`` when the slot reader saw something else; nothing valid →
  "?" for the unread part, the rest kept, flagged ``unreadable``:
  ``"?/QĐ-BCĐ138"``, ``"2024-09-??"``.

A value this module changed is never left unflagged. :func:`settle_digits` is called
once from :func:`pipeline.papers.fields._fill`, before validation; :func:`settle_id_boxes`
does the same for personal IDs handwritten into a row of boxes (:mod:`pipeline.page.idbox`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from itertools import product

from pipeline.papers.validate import Problem

UNREAD = "?"
MAX_NUMBER_DIGITS = 5
PRINTED = 0.95  # engine word confidence above which its digits are taken as printed


def settle_digits(fields: dict, facts: Sequence, number_key: str | None,
                  date_key: str | None, today: date, *, create: bool = True) -> None:
    """Merge the first page's slot readings into ``fields[number_key]`` and
    ``fields[date_key]`` (FieldValue objects, created when a label was found but the
    field is missing and ``create`` is set: on an official letter the place-and-date
    line is the issue date; on other papers a date line may mean something else)."""
    slots = next((f.slots for f in facts if getattr(f, "slots", None)), None)
    if slots is None:
        return
    if date_key not in fields and (not create or _cites_a_paper(facts, slots)):
        date_key = None
    page = next((c.page for f in facts for c in f.candidates), 0)
    trust = not _discredited(slots)
    if number_key and slots.number is not None:
        _settle_number(fields, number_key, slots.number, page, trust)
    if date_key and (slots.day is not None or slots.month is not None):
        _settle_date(fields, date_key, slots, page, today, trust)


def _cites_a_paper(facts: Sequence, slots) -> bool:
    """Whether the slots' date line is a sentence citing another paper ("… Thông tư số
    86/2016/TT-BQP ngày 20 tháng 6 năm 2016 …"), not a place-and-date line: a document
    symbol among the words just before the day. Without a field from the header, such a
    line makes no issue date."""
    slot = slots.day or slots.month
    if slot is None:
        return False
    left, top, _, bottom = slot.box
    mid = (top + bottom) / 2
    for line in getattr(facts[0], "lines", []) if facts else []:
        before = [w for w in line.words if w.left + w.width <= left + 2
                  and w.top <= mid <= w.top + w.height]
        if before:
            near = sorted(before, key=lambda w: w.left)[-3:]
            return any(re.search(r"\w/\w", w.text) for w in near)
    return False


def _discredited(slots) -> bool:
    """Whether the digit model read, sure of every glyph, other digits than the engine
    read as print somewhere on the page."""
    for reading in (slots.number, slots.day, slots.month):
        if reading is None or not reading.sure:
            continue
        engine = reading.engine_digits
        printed = reading.printed or reading.engine_confidence >= PRINTED
        if printed and engine and not _same_int(reading.text, engine):
            return True
    return False


def _field(fields: dict, key: str, value: str, page: int, new_flag: bool = True):
    """The field, created when the label was found but the field stage made nothing of
    the line: a value pieced together from the slots and the label words is flagged
    (``new_flag``; the caller flags it otherwise)."""
    from pipeline.papers.fields import FieldValue

    if key not in fields:
        fv = FieldValue(value, 0.5, "ocr+digits", page)
        if new_flag:
            _flag(fv, "handwritten", "Giá trị ghép từ phần viết tay/đóng dấu, cần kiểm tra",
                  "value pieced together around handwritten/stamped digits")
        fields[key] = fv
    return fields[key]


def _flag(fv, code: str, vi: str, en: str) -> None:
    fv.flag(Problem(code, vi, en))


def _choose(reading, valid, same, trust: bool = True) -> tuple[str, str]:
    """(value, how): how is "agree", "slot", "engine_printed", "engine_doubt" or
    "unread". ``trust``: the digit model may overrule the engine's valid digits."""
    engine = reading.engine_digits
    slot = reading.text if reading.sure and valid(reading.text) else ""
    if engine and valid(engine):
        # a confidently read printed number is the engine's; the slot is for the
        # handwriting the engine fails on
        printed = reading.printed or reading.engine_confidence >= PRINTED
        if slot and not same(slot, engine):
            return (engine, "engine_printed") if printed or not trust else (slot, "slot")
        if reading.text and not slot and not same(reading.text, engine) and not printed:
            return engine, "engine_doubt"  # the slot reader saw something else
        return engine, "agree"
    if slot:
        return slot, "slot"
    return "", "unread"


def _number_ok(text: str) -> bool:
    return text.isdigit() and 1 <= len(text) <= MAX_NUMBER_DIGITS and int(text) > 0


def _same_text(a: str, b: str) -> bool:
    return a == b


def _same_int(a: str, b: str) -> bool:
    return a.isdigit() and b.isdigit() and int(a) == int(b)


def _settle_number(fields: dict, key: str, reading, page: int, trust: bool = True) -> None:
    fv = fields.get(key)
    current = fv.value if fv is not None else ""
    if fv is None and not reading.ink:
        return
    if "/" in current:
        rest = current[current.index("/"):]
    else:
        rest = reading.context or ("/" + current if current else "")
    # as the field stage normalises codes: Tesseract doubles Đ as "ĐÐ" or reads it as "Ð"
    rest = "".join(rest.replace("Đ\u00d0", "Đ").replace("\u00d0", "Đ").split())
    value, how = _choose(reading, _number_ok, _same_text, trust)
    if how == "agree" and fv is not None and current.startswith(value):
        return
    fv = _field(fields, key, current, page)
    fv.value = (value or UNREAD) + rest
    if how == "slot":
        _drop_unread_flags(fv)
    _note(fv, how, "Số", reading)


def _settle_date(fields: dict, key: str, slots, page: int, today: date,
                 trust: bool = True) -> None:
    fv = fields.get(key)
    old = _iso_parts(fv.value) if fv is not None else None
    year = slots.year or (old[0] if old else "")
    day, day_how = _choose(slots.day, lambda t: t.isdigit() and 1 <= int(t) <= 31, _same_int,
                           trust) \
        if slots.day is not None else ((old[2], "agree") if old else ("", "unread"))
    month, month_how = _choose(slots.month, lambda t: t.isdigit() and 1 <= int(t) <= 12,
                               _same_int, trust) \
        if slots.month is not None else ((old[1], "agree") if old else ("", "unread"))
    if not year.isdigit():
        return  # without the printed year the line is not a date line worth settling
    if day and month and not _real(int(year), int(month), int(day), today):
        # the slot reading makes no real date: fall back to the engine's where valid
        day_how, day = ("unread", "") if day_how == "slot" else (day_how, day)
        month_how, month = ("unread", "") if month_how == "slot" else (month_how, month)
        if day and month and not _real(int(year), int(month), int(day), today):
            day, day_how = "", "unread"
    value = f"{year}-{month.zfill(2) if month else '??'}-{day.zfill(2) if day else '??'}"
    if fv is not None and fv.value == value and {day_how, month_how} <= {"agree"}:
        return
    fv = _field(fields, key, value, page)
    fv.value = value
    if "slot" in (day_how, month_how):
        _drop_unread_flags(fv)
    if slots.day is not None:
        _note(fv, day_how, "Ngày", slots.day)
    if slots.month is not None:
        _note(fv, month_how, "Tháng", slots.month)
    if fv.value.endswith("??") or "-??-" in fv.value:
        # the date validator would add "not a valid date": the reason is already given
        fv.problems = [p for p in fv.problems if p.code != "date_invalid"]


def _drop_unread_flags(fv) -> None:
    """The header stage's "not read, enter it" no longer holds once the digit model read
    the part: its own flags (added next) say how the value was read instead."""
    fv.problems = [p for p in fv.problems
                   if p.code not in ("handwritten", "unreadable", "date_invalid")]


_EN = {"Số": "number", "Ngày": "day", "Tháng": "month"}


def _note(fv, how: str, what: str, reading) -> None:
    engine = reading.engine_digits or "—"
    en = _EN[what]
    if how == "slot":
        fv.source = "ocr+digits"
        _flag(fv, "handwritten_read",
              f"{what} viết tay/đóng dấu, đọc bằng mô hình chữ số: {reading.text}",
              f"handwritten/stamped {en} read by the digit model: {reading.text}")
        if reading.engine_digits:
            _flag(fv, "readings_differ",
                  f"Hai lần đọc khác nhau: {reading.engine_digits} / {reading.text}",
                  f"two readings differ: {reading.engine_digits} / {reading.text}")
    elif how == "engine_printed":
        _flag(fv, "readings_differ",
              f"Hai lần đọc khác nhau: {engine} / {reading.text}",
              f"two readings differ: {engine} / {reading.text}")
    elif how == "engine_doubt":
        _flag(fv, "handwritten", f"{what} viết tay, đọc chưa chắc: {engine}",
              f"handwritten {en}, uncertain reading: {engine}")
    elif how == "unread":
        _flag(fv, "unreadable", f"{what} viết tay/đóng dấu không đọc được",
              f"handwritten/stamped {en} could not be read")


def _iso_parts(value: str) -> tuple[str, str, str] | None:
    m = re.match(r"^(\d{4})-([\d?]{2})-([\d?]{2})$", value)
    if not m:
        return None
    # a part with an unread character ("?5") counts as unread here
    return (m.group(1), "" if "?" in m.group(2) else m.group(2),
            "" if "?" in m.group(3) else m.group(3))


def _real(year: int, month: int, day: int, today: date) -> bool:
    try:
        return date(year, month, day) <= today
    except ValueError:
        return False


# -- personal IDs written into boxes ---------------------------------------------------------------

ID_DIGITS = 12
CMND_DIGITS = 9  # an old identity card (CMND) number


def settle_id_boxes(fields: dict, facts: Sequence) -> None:
    """Merge the ID box rows (:mod:`pipeline.page.idbox`) into the ID fields.

    Per row with anything written in it (a row of empty boxes is a blank on the paper,
    not a value), into the key of the label it follows (``so_dinh_danh``, or the person
    the label or its block names, e.g. ``so_dinh_danh_nguoi_yeu_cau``):

    * the field stage's value is a valid ID and the box reading agrees → kept as it is;
    * both valid and different → the engine's stays when it looks printed (word
      confidence ≥ 0.95), else the box reading; flagged ``readings_differ`` (and
      ``handwritten`` when the box reading is taken);
    * the field stage's value is valid and the box reading unsure → kept, flagged
      ``handwritten`` when the box reading saw other digits;
    * no valid value but a sure box reading that passes the ID check (12 digits, province
      code, century/sex digit, birth year and sex of the same paper) → the box reading,
      always flagged ``handwritten``: a machine reading of handwriting;
    * otherwise → the box reading as it is, ``?`` for each unsure digit, flagged
      ``unreadable`` (and ``handwritten``); the validator adds what it finds wrong.

    A row of 9 boxes with 9 sure digits is an old CMND number: kept, flagged
    ``handwritten`` (the ID validator adds that it is no 12-digit ID).

    A form's label with no boxes after it (a reading of no cells) keeps its field when the
    field stage made none, see :func:`_settle_loose`: the engine's digits when they are a
    valid ID, else what the digit model read of the ink written freehand there, flagged
    ``handwritten`` (and ``unreadable`` unless it is a valid ID), else "?" flagged
    ``unreadable``. A blank fill-in line makes no reading, so no field.
    """
    for fact in facts:
        for row in getattr(fact, "idboxes", None) or []:
            if not row.text:
                continue
            key = _id_key(row, fact)
            page = next((c.page for c in fact.candidates), 0)
            _settle_id(fields, key, row, page)


def _id_key(row, fact) -> str:
    """The field key of a box row: a ``so_dinh_danh*`` candidate found on the label's
    line (it knows the person context of the paper's block), else the person the label
    names."""
    left, top, right, bottom = row.label_box
    mid = (top + bottom) / 2
    for cand in fact.candidates:
        if not cand.key.startswith("so_dinh_danh") or not cand.words:
            continue
        if any(w.top <= mid <= w.top + w.height or
               (row.box[1] <= w.top + w.height / 2 <= row.box[3]) for w in cand.words):
            return cand.key
    return "so_dinh_danh" + row.suffix


def _id_born(fields: dict, key: str) -> tuple[date | None, str | None]:
    suffix = key[len("so_dinh_danh"):]
    born = fields.get("ngay_sinh" + suffix)
    sex = fields.get("gioi_tinh" + suffix)
    try:
        day = date.fromisoformat(born.value) if born is not None else None
    except ValueError:
        day = None
    return day, (sex.value if sex is not None else None)


def _settle_id(fields: dict, key: str, row, page: int) -> None:
    from pipeline.papers.validate import check_personal_id

    born, sex = _id_born(fields, key)

    def valid(text: str) -> bool:
        return len(text) == ID_DIGITS and text.isdigit() and \
            not check_personal_id(text, born, None, sex)

    if row.cells == 0:
        _settle_loose(fields, key, row, page, valid)
        return
    fv = fields.get(key)
    engine = "".join(c for c in fv.value if c.isdigit()) if fv is not None else \
        row.engine_digits
    engine_ok = valid(engine)
    read = row.text if row.sure and valid(row.text) else ""
    resolved = "" if read or engine_ok else _resolve(row, valid)
    if resolved:
        read = resolved
    printed = row.engine_confidence >= PRINTED or (fv is not None and fv.confidence >= PRINTED
                                                   and fv.source != "ocr+digits")
    if resolved:
        fv = _field(fields, key, read, page, new_flag=False)
        fv.value, fv.source = read, "ocr+digits"
        fv.confidence = min(fv.confidence, 0.5)
        _flag(fv, "handwritten",
              f"Số định danh viết tay trong ô, đọc bằng mô hình chữ số: {row.text}; chữ số "
              f"chưa chắc được chọn theo cấu trúc số định danh: {read}",
              f"ID handwritten in boxes, read by the digit model: {row.text}; unsure "
              f"digits chosen by the ID structure: {read}")
        return
    if engine_ok:
        agree = read == engine or (not read and row.text == engine)
        if agree and fv is not None:
            return
        fv = _field(fields, key, engine, page, new_flag=False)
        if agree:  # the engine's reading of the boxes alone, the digit model agreeing
            _flag_id_read(fv, row)
            return
        fv.value = engine
        if read and not printed:
            fv.value, fv.source = read, "ocr+digits"
            _flag_id_read(fv, row)
        if read:
            _flag(fv, "readings_differ", f"Hai lần đọc khác nhau: {engine} / {row.text}",
                  f"two readings differ: {engine} / {row.text}")
        else:
            _flag(fv, "handwritten", f"Số định danh viết tay, đọc chưa chắc: {engine}",
                  f"handwritten ID, uncertain reading: {engine}")
        return
    fv = _field(fields, key, row.text, page, new_flag=False)
    fv.value, fv.source = row.text, "ocr+digits"
    fv.confidence = min(fv.confidence, 0.5)
    _flag_id_read(fv, row)
    if row.cells == CMND_DIGITS and row.filled == CMND_DIGITS and row.sure:
        return  # an old 9-digit CMND number, every digit read: flagged handwritten
    if "?" in row.text or row.filled != ID_DIGITS:
        fv.confidence = 0.0
        _flag(fv, "unreadable",
              f"Số định danh viết tay: {row.text.count('?')} chữ số không đọc được, "
              f"{row.filled}/{row.cells} ô có chữ",
              f"handwritten ID: {row.text.count('?')} digits unread, "
              f"{row.filled} of {row.cells} boxes written")


def _settle_loose(fields: dict, key: str, row, page: int, valid) -> None:
    """A label with no boxes after it (a reading of no cells): the engine's digits there,
    or — when something is written freehand on the fill-in line — the digit model's
    reading of that ink.

    * the field stage's value is a valid ID (or it made one and nothing is written
      freehand) → kept as it is;
    * the engine's digits after the label are a valid ID → they are the value;
    * the ink read freehand is a sure valid ID (or one or two unsure checkable digits
      resolve to one) → that, flagged ``handwritten``;
    * otherwise → what was read ("?" per glyph not read, and a trailing "?" when fewer
      than 12 digits were read), flagged ``handwritten`` and ``unreadable``: never a
      valid ID. Without freehand ink, "?" flagged ``unreadable``.
    """
    from pipeline.papers.fields import FieldValue

    fv = fields.get(key)
    if fv is not None and (not row.freehand or valid(_digits(fv.value))):
        return  # the field stage read the label's value itself
    engine = row.engine_digits
    if valid(engine):  # a printed ID after a label the field stage missed
        fields[key] = FieldValue(engine, row.engine_confidence, "ocr", page)
        return
    if not row.freehand:  # digits the engine read there, no valid ID, no ink read
        fv = _field(fields, key, row.text, page, new_flag=False)
        fv.value, fv.source, fv.confidence = row.text, "ocr+digits", 0.0
        _flag(fv, "unreadable", f"Số định danh không đọc được: {row.engine_text}",
              "personal ID could not be read")
        return
    read = row.text if row.sure and valid(row.text) else _resolve(row, valid)
    if read:
        fv = FieldValue(read, 0.5, "ocr+digits", page)
        _flag(fv, "handwritten",
              f"Số định danh viết tay (không có ô), đọc bằng mô hình chữ số: {row.text}",
              f"ID handwritten without boxes, read by the digit model: {row.text}")
        fields[key] = fv
        return
    digits = sum(c.isdigit() for c in row.text)
    value = row.text if UNREAD in row.text or digits >= ID_DIGITS else row.text + UNREAD
    fv = FieldValue(value, 0.0, "ocr+digits", page)
    _flag(fv, "handwritten",
          f"Số định danh viết tay (không có ô), đọc bằng mô hình chữ số: {row.text}",
          f"ID handwritten without boxes, read by the digit model: {row.text}")
    _flag(fv, "unreadable",
          f"Số định danh viết tay không đọc được hết: {row.text.count(UNREAD)} chữ không "
          f"đọc được, {digits} chữ số đọc được" + (
              f"; máy đọc chữ in: {row.engine_text}" if row.engine_text else ""),
          f"handwritten ID not fully read: {row.text.count(UNREAD)} glyphs unread, "
          f"{digits} digits read")
    fields[key] = fv


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


STRUCTURED = 6  # the province code, century/sex digit and birth year: checkable digits
RESOLVE_MASS = 0.5  # the digits the model hesitates between are together this likely
RESOLVE_LEAST = 0.05  # a digit the model gives less than this is not among them


def _resolve(row, valid) -> str:
    """A 12-digit reading whose one or two unsure digits sit in the checkable part
    (province, century/sex, year) and are each one of the (up to three) digits the model
    hesitates between: the single combination that passes the ID check, else ""."""
    if row.filled != ID_DIGITS or len(row.choices) != ID_DIGITS:
        return ""
    unsure = [i for i, c in enumerate(row.text) if c == UNREAD]
    if not unsure or len(unsure) > 2 or max(unsure) >= STRUCTURED:
        return ""
    options = []
    for i in unsure:
        likely = [(d, p) for d, p in row.choices[i] if p >= RESOLVE_LEAST]
        if sum(p for _, p in likely) < RESOLVE_MASS:
            return ""
        options.append([d for d, _ in likely])
    found = set()
    for combo in product(*options):
        text = list(row.text)
        for i, d in zip(unsure, combo, strict=True):
            text[i] = d
        if valid("".join(text)):
            found.add("".join(text))
    return found.pop() if len(found) == 1 else ""


def _flag_id_read(fv, row) -> None:
    _flag(fv, "handwritten",
          f"Số định danh viết tay trong ô, đọc bằng mô hình chữ số: {row.text}",
          f"ID handwritten in boxes, read by the digit model: {row.text}")
