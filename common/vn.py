"""Vietnamese text and time: the time zone, NFC and accent folding, spelled once.

- ``VN_TZ``: Asia/Ho_Chi_Minh is UTC+07:00 all year (no daylight saving since 1975), so a
  fixed offset gives the tz database's answer for every date sohoa records and needs no
  tzdata on the machine.
- ``nfc``: one code point per Vietnamese letter; text is NFC at every boundary.
- ``fold``: lowercase, no diacritics, đ→d — for matching labels, names and words despite
  OCR slips or a missing keyboard layout ("Nguyễn Thị" → "nguyen thi").
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7), "+07:00")


def nfc(text: str) -> str:
    """Unicode NFC: one code point per Vietnamese letter."""
    if unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _fold_table() -> dict[int, str]:
    """Precomposed Latin letters → their base letter, lowercase (``ễ`` → ``e``); đ → d."""
    table = {ord(c): "d" for c in "đĐðÐ"}
    for code in range(0xC0, 0x2000):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", char)
                       if not unicodedata.combining(c))
        if base != char and len(base) == 1 and base.isascii():
            table[code] = base.lower()
    return table


FOLD_TABLE = _fold_table()


def fold(text: str) -> str:
    """Lowercase, no diacritics, đ→d (NFC or NFD input alike): ``"ĐỖ Văn"`` → ``"do van"``."""
    return nfc(text).translate(FOLD_TABLE).lower()


def vn_now() -> datetime:
    """Now, in Vietnam time."""
    return datetime.now(VN_TZ)


def vn_today() -> date:
    """Today's date in Vietnam."""
    return vn_now().date()


def vn_day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Vietnam (an aware datetime)."""
    return datetime.combine(day, time.min, VN_TZ)
