"""Calendar arithmetic for resolving relative expressions against an anchor day."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

# A day-and-month without a year is taken from the anchor's year unless that puts it more than
# this many days after the anchor: news mostly reports the past, but "due on Nov. 1" a week ahead
# is common, so near-future dates are kept in the anchor's year.
FUTURE_WINDOW_DAYS = 60


def weekday_on_or_before(anchor: date, weekday: int) -> date:
    """The latest day not after ``anchor`` that falls on ``weekday`` (0 = Monday)."""
    return anchor - timedelta(days=(anchor.weekday() - weekday) % 7)


def weekday_before(anchor: date, weekday: int) -> date:
    """The latest day strictly before ``anchor`` that falls on ``weekday``."""
    return anchor - timedelta(days=(anchor.weekday() - weekday) % 7 or 7)


def weekday_after(anchor: date, weekday: int) -> date:
    """The earliest day strictly after ``anchor`` that falls on ``weekday``."""
    return anchor + timedelta(days=(weekday - anchor.weekday()) % 7 or 7)


def weekday_on_or_after(anchor: date, weekday: int) -> date:
    """The earliest day not before ``anchor`` that falls on ``weekday``."""
    return anchor + timedelta(days=(weekday - anchor.weekday()) % 7)


def safe_date(year: int, month: int, day: int) -> date | None:
    """``date(year, month, day)`` or None when the day does not exist (31 June)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def infer_year(
    month: int, day: int, anchor: date, weekday: int | None = None, *, future: bool = False
) -> date | None:
    """Place a yearless day-and-month near ``anchor``.

    With a weekday ("Tuesday, Jan. 27") the year whose calendar agrees wins. In a future-tense
    clause ("will be paid Feb. 1") the first such day on or after the anchor. Otherwise the
    anchor's year, moved one year back when that lands far in the future.
    """
    if weekday is not None:
        fits = [
            d
            for y in (anchor.year, anchor.year - 1, anchor.year + 1)
            if (d := safe_date(y, month, day)) is not None and d.weekday() == weekday
        ]
        if fits:
            return min(fits, key=lambda d: abs((d - anchor).days))
    found = safe_date(anchor.year, month, day)
    if future and found is not None:
        return found if found >= anchor else safe_date(anchor.year + 1, month, day)
    if found is None:
        # 29 February outside a leap year: the nearest leap year before the anchor.
        return safe_date(anchor.year - 1, month, day) or safe_date(anchor.year - 2, month, day) or safe_date(
            anchor.year - 3, month, day
        )
    if (found - anchor).days > FUTURE_WINDOW_DAYS:
        return safe_date(anchor.year - 1, month, day)
    if (anchor - found).days > 365 - FUTURE_WINDOW_DAYS and month == 1 and anchor.month == 12:
        # Written in late December about early January: next year.
        return safe_date(anchor.year + 1, month, day)
    return found


def shift_months(day: date, months: int) -> tuple[int, int]:
    """(year, month) ``months`` away from ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def add_years(day: date, years: int) -> date:
    """Same day ``years`` away; 29 February becomes 28 February."""
    return safe_date(day.year + years, day.month, day.day) or date(day.year + years, day.month, 28)


def add_months(day: date, months: int) -> date:
    """Same day of month ``months`` away, clamped to the month's length."""
    year, month = shift_months(day, months)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def iso_week(day: date) -> str:
    """ISO week value, e.g. ``2016-W38``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` of a month (n = -1 for the last one)."""
    if n > 0:
        first = date(year, month, 1)
        return weekday_on_or_after(first, weekday) + timedelta(weeks=n - 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    return weekday_on_or_before(last, weekday) - timedelta(weeks=-n - 1)


def most_recent_month(month: int, anchor: date, *, strictly_before: bool = False) -> tuple[int, int]:
    """(year, month) of the latest ``month`` not after the anchor's month (or strictly before it)."""
    if month < anchor.month or (month == anchor.month and not strictly_before):
        return anchor.year, month
    return anchor.year - 1, month


def next_month_named(month: int, anchor: date) -> tuple[int, int]:
    """(year, month) of the first ``month`` strictly after the anchor's month."""
    return (anchor.year, month) if month > anchor.month else (anchor.year + 1, month)
