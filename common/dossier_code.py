"""The legal structure of a dossier code (mã hồ sơ), and the check made where codes enter.

Circular 01/2018/TT-VPCP, Art. 19: a dossier code is
``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX``: the receiving unit's identifier (levels 4, 3, 2
and 1 of the national code of agencies, e.g. ``000.00.19.H12``: ``H12`` a province, the
levels below it its units; ``000`` / ``00`` where a level is not used), the receiving date
``YYMMDD`` and the day's 4-digit sequence number (from 0001), e.g.
``000.00.19.H12-261122-0001``.

``parse`` splits a code into those parts or says what is wrong; ``check`` is the intake
rule (CLI ``scan`` / ``batch``, the web upload form): a malformed code, or one whose date
is not the day the dossier was received, is refused with a Vietnamese message, unless the
caller explicitly accepts a legacy code (``allow_legacy``), which is then only reported.
Codes are compared upper-case (the level-1 letter), as the portal writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from common.errors import InvalidRequestError
from common.vn import VN_TZ, vn_today

EXAMPLE = "000.00.19.H12-261122-0001"
STRUCTURE = "V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX"
_CODE = re.compile(r"^(?P<unit>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<day>\d{6})-(?P<seq>\d{4})$")
LEGACY_HINT = "mã hồ sơ cũ (trước khi áp dụng cấu trúc này) thì dùng --allow-legacy-code"


@dataclass(frozen=True)
class DossierCode:
    code: str
    unit: str  # the receiving unit's identifier, V1V2V3.Z1Z2.Y1Y2.MX1X2
    received_on: date
    sequence: int  # the day's number, 1..9999


class DossierCodeError(InvalidRequestError):
    """A dossier code that does not follow Circular 01/2018/TT-VPCP, Art. 19."""

    message_vi = "Mã hồ sơ không hợp lệ"
    message_en = "Invalid dossier code"
    show_detail = True


def parse(code: str) -> DossierCode:
    """The parts of ``code``; ``DossierCodeError`` (Vietnamese detail) when malformed."""
    text = code.strip().upper()
    found = _CODE.match(text)
    if found is None:
        raise DossierCodeError(detail=(
            f"mã hồ sơ {code!r} không đúng cấu trúc {STRUCTURE} (Thông tư 01/2018/TT-VPCP, "
            f"Điều 19: mã cơ quan tiếp nhận - ngày tiếp nhận YYMMDD - số thứ tự 4 chữ số "
            f"trong ngày), ví dụ {EXAMPLE}; {LEGACY_HINT}"))
    day = found["day"]
    try:
        received = date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))
    except ValueError:
        raise DossierCodeError(detail=(
            f"mã hồ sơ {code!r}: {day} không phải ngày có thật (YYMMDD); "
            f"{LEGACY_HINT}")) from None
    sequence = int(found["seq"])
    if sequence == 0:
        raise DossierCodeError(detail=f"mã hồ sơ {code!r}: số thứ tự trong ngày bắt đầu từ "
                                      f"0001; {LEGACY_HINT}")
    return DossierCode(code=text, unit=found["unit"], received_on=received, sequence=sequence)


def received_day(moment: datetime | date) -> date:
    """The Vietnamese calendar day of ``moment`` (a date is taken as it is)."""
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)).astimezone(
            VN_TZ).date()
    return moment


def check(code: str, *, received_at: datetime | date | None = None,
          allow_legacy: bool = False, today: date | None = None) -> DossierCode | None:
    """The intake rule: the parsed code, or ``None`` for a legacy code accepted with
    ``allow_legacy``. Refused (``DossierCodeError``), unless ``allow_legacy``: a
    malformed code; a code dated after ``today`` (Vietnam time); a code whose date is not
    the day of ``received_at`` when the receiving time is given (a dossier scanned days
    after it was received keeps its code: without a receiving time only the structure
    and the date's plausibility are checked)."""
    try:
        parsed = parse(code)
    except DossierCodeError:
        if allow_legacy:
            return None
        raise
    today = today or vn_today()
    if parsed.received_on > today:
        if allow_legacy:
            return None
        raise DossierCodeError(detail=(
            f"mã hồ sơ {code!r} ghi ngày tiếp nhận {parsed.received_on:%d/%m/%Y}, sau hôm "
            f"nay ({today:%d/%m/%Y}); kiểm tra lại mã; {LEGACY_HINT}"))
    if received_at is not None and parsed.received_on != received_day(received_at):
        if allow_legacy:
            return None
        got = received_day(received_at)
        raise DossierCodeError(detail=(
            f"mã hồ sơ {code!r} ghi ngày tiếp nhận {parsed.received_on:%d/%m/%Y} nhưng hồ "
            f"sơ được tiếp nhận ngày {got:%d/%m/%Y}; kiểm tra lại mã hoặc ngày tiếp nhận; "
            f"{LEGACY_HINT}"))
    return parsed


__all__ = ["EXAMPLE", "STRUCTURE", "DossierCode", "DossierCodeError", "check", "parse",
           "received_day"]
