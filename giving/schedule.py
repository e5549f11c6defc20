"""When a recurring gift falls due: pure functions over dates.

The last ten nights of Ramadan are counted by the Umm al-Qura calendar (the
`hijridate` package, as zakat's hawl is): a gift of that frequency runs on each
of Ramadan 21 to the month's last day (29 or 30), and waits a year in between.
"""

import calendar
from datetime import date, timedelta

import hijridate

RAMADAN = 9
SHAWWAL = 10
FIRST_OF_THE_LAST_TEN = 21


def last_ten_nights(hijri_year: int) -> tuple[date, date]:
    """The first and last Gregorian day of Ramadan 21..29/30 of `hijri_year`."""
    first = _plain(hijridate.Hijri(hijri_year, RAMADAN, FIRST_OF_THE_LAST_TEN).to_gregorian())
    shawwal_first = _plain(hijridate.Hijri(hijri_year, SHAWWAL, 1).to_gregorian())
    return first, shawwal_first - timedelta(days=1)


def _plain(day) -> date:
    return date(day.year, day.month, day.day)


def next_last_ten_night(on_or_after: date) -> date:
    """The first day on or after `on_or_after` that is one of the last ten of Ramadan."""
    year = hijridate.Gregorian(on_or_after.year, on_or_after.month, on_or_after.day).to_hijri()
    for hijri_year in (year.year, year.year + 1):
        first, last = last_ten_nights(hijri_year)
        if on_or_after <= last:
            return max(first, on_or_after)
    raise ValueError("beyond the Umm al-Qura calendar")  # pragma: no cover


def add_month(day: date, anchor_day: int) -> date:
    """The same day of the next month, clamped to the month's last day (31 Jan →
    28/29 Feb); `anchor_day` keeps the 31st a 31st where a month has one."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def first_run_on(frequency: str, today: date) -> date:
    """A new (or resumed) gift first runs today, or on the next of the last ten nights."""
    if frequency == "last_ten_nights":
        return next_last_ten_night(today)
    return today


def next_run_after(frequency: str, ran_on: date, anchor_day: int | None = None) -> date:
    """The day after `ran_on` the gift falls due again."""
    if frequency == "daily":
        return ran_on + timedelta(days=1)
    if frequency == "weekly":
        return ran_on + timedelta(days=7)
    if frequency == "monthly":
        return add_month(ran_on, anchor_day or ran_on.day)
    if frequency == "last_ten_nights":
        return next_last_ten_night(ran_on + timedelta(days=1))
    raise ValueError(f"unknown frequency {frequency!r}")
