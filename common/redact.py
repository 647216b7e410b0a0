"""What the logs may say about citizens (Decree 13/2023/NĐ-CP on personal data).

Log lines at INFO and above are read by operators and shipped to log collectors, so they
carry no personal ID number, name or birth date. The code logs ids, counts and keys only;
``install`` adds a safety net under it for every log line of the process, whichever
library writes it (uvicorn's access log writes whole request URLs):

- a personal ID number (12 digits standing alone) keeps its last 3 digits only:
  ``*********345``;
- the values of personal query parameters in a URL (``owner_id``, ``name``,
  ``birth_date``, ``text``, ...) are replaced by ``***``.

DEBUG lines are left as written: they are for a developer's own run (``-vvv``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

PERSONAL_ID = re.compile(r"(?<![0-9A-Za-z])\d{9}(\d{3})(?![0-9A-Za-z])")
# query parameters that carry who a citizen is, or what was searched about them
PERSONAL_QUERY = re.compile(
    r"([?&](?:owner_id|owner_name|name|birth_date|text|q|ho_ten|so_dinh_danh|ngay_sinh)=)"
    r"[^&#\s\"']*")

_installed = False


def mask_id(value: str) -> str:
    """A personal ID as logs may show it: its last 3 digits."""
    digits = re.sub(r"\D", "", value)
    return "*" * max(len(digits) - 3, 0) + digits[-3:]


def redact(text: str) -> str:
    """``text`` without personal ID numbers (last 3 digits kept) nor personal query values."""
    text = PERSONAL_QUERY.sub(r"\1***", text)
    return PERSONAL_ID.sub(lambda m: "*" * 9 + m.group(1), text)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite an INFO+ record if it names a citizen (DEBUG ones are left): its arguments
    one by one where that is enough (formatters such as uvicorn's read the arguments),
    else the whole message; and the traceback's text."""
    if record.levelno < logging.INFO:
        return record
    if isinstance(record.args, tuple):
        record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string is logging's to report
        return record
    clean = redact(message)
    if clean != message:  # a personal ID in an argument that is no string (a path, ...)
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    return record


def install() -> None:
    """Redact every log record this process makes from now on (idempotent): at record
    creation, so it holds for any handler or logging configuration set later (uvicorn's)."""
    global _installed
    if _installed:
        return
    make: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(make(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
