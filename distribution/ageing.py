"""Hijri years and fund ageing: pure functions over dates and Decimal.

Zakat should reach its recipients within the lunar year: what the institution
received more than one Hijri year ago and has not distributed is overdue.
Which money is "still here" is decided first in, first out: every outflow
consumes the oldest inflow that remains. Because a fund can never go below
zero, consuming the oldest inflows with the total of the outflows gives the
same remainders as replaying the movements in order.

Dates are Umm al-Qura (the `hijridate` package, also used by zakat/), which
covers 1343-1500 AH.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import hijridate


def _gregorian(hijri: hijridate.Hijri) -> date:
    g = hijri.to_gregorian()
    return date(g.year, g.month, g.day)


def hijri_year_of(day: date) -> int:
    return hijridate.Gregorian(day.year, day.month, day.day).to_hijri().year


def hijri_year_start(year: int) -> date:
    """The Gregorian date of 1 Muharram of `year`."""
    return _gregorian(hijridate.Hijri(year, 1, 1))


def one_lunar_year_before(day: date) -> date:
    """The same Hijri day one Hijri year earlier (the 30th of a month that had only
    29 days that year becomes the 29th)."""
    hijri = hijridate.Gregorian(day.year, day.month, day.day).to_hijri()
    for dd in (hijri.day, 29):
        try:
            return _gregorian(hijridate.Hijri(hijri.year - 1, hijri.month, dd))
        except ValueError:
            continue
    raise ValueError(f"No Hijri date a year before {day}")


@dataclass(frozen=True)
class Ageing:
    undistributed: Decimal
    overdue_amount: Decimal
    oldest_undistributed_date: date | None


def fifo_ageing(
    inflows: Iterable[tuple[date, Decimal]], outflow_total: Decimal, *, overdue_before: date
) -> Ageing:
    """What remains of `inflows` (date, amount > 0) after `outflow_total` consumed
    the oldest first; the remainder received before `overdue_before` is overdue."""
    to_consume = Decimal(outflow_total)
    remaining: list[tuple[date, Decimal]] = []
    for day, amount in sorted(inflows, key=lambda row: row[0]):
        taken = min(amount, to_consume)
        to_consume -= taken
        if amount - taken > 0:
            remaining.append((day, amount - taken))
    return Ageing(
        undistributed=sum((amount for _, amount in remaining), Decimal(0)),
        overdue_amount=sum(
            (amount for day, amount in remaining if day < overdue_before), Decimal(0)
        ),
        oldest_undistributed_date=remaining[0][0] if remaining else None,
    )


def ageing_from_newest(
    inflows_newest_first: Iterator[tuple[date, Decimal]], balance: Decimal, *, overdue_before: date
) -> Ageing:
    """The same answer as `fifo_ageing`, read from the other end: what first in, first
    out leaves is the newest inflows adding up to the balance, so only those are read
    (the ledger hands them newest first and the walk stops once the balance is covered)."""
    left = Decimal(balance)
    overdue = Decimal(0)
    oldest: date | None = None
    for day, amount in inflows_newest_first:
        if left <= 0:
            break
        taken = min(amount, left)
        left -= taken
        oldest = day
        if day < overdue_before:
            overdue += taken
    return Ageing(
        undistributed=Decimal(balance) - max(left, Decimal(0)),
        overdue_amount=overdue,
        oldest_undistributed_date=oldest,
    )
