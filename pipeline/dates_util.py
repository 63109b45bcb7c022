"""Turn ISO date values of mixed precision (YYYY-MM-DD, YYYY-Www, YYYY-MM, YYYY) into days."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def first_day_of(value: str | None) -> date | None:
    """First day covered by ``value``, or None for anything unparseable."""
    if not value:
        return None
    try:
        if m := _DAY.match(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _WEEK.match(value):
            return date.fromisocalendar(int(m[1]), int(m[2]), 1)
        if m := _MONTH.match(value):
            return date(int(m[1]), int(m[2]), 1)
        if m := _YEAR.match(value):
            return date(int(m[1]), 1, 1)
    except ValueError:
        return None
    return None


def last_day_of(value: str | None) -> date | None:
    """Last day covered by ``value``, or None for anything unparseable."""
    if not value:
        return None
    try:
        if m := _DAY.match(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _WEEK.match(value):
            return date.fromisocalendar(int(m[1]), int(m[2]), 1) + timedelta(days=6)
        if m := _MONTH.match(value):
            y, mo = int(m[1]), int(m[2])
            return date(y, mo, calendar.monthrange(y, mo)[1])
        if m := _YEAR.match(value):
            return date(int(m[1]), 12, 31)
    except ValueError:
        return None
    return None
