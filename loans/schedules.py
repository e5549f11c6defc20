"""Repayment schedules: a pure function, no database.

An amount owed is split into monthly installments that sum to it exactly. Every
installment but the last is the amount divided by the count, rounded DOWN to
the cent; the last takes the remainder. Rounding down (not half up) is what
keeps the last installment from going below the others and the total from
drifting: the remainder is always between 0 and count - 1 cents.

Due dates are computed from the start date plus k months, each clamped to the
month's last day, and never from the previous due date: a schedule starting on
31 January falls due on 28/29 February and then on 31 March again.
"""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from accounts.money import CENT


@dataclass(frozen=True)
class PlannedInstallment:
    number: int
    due_date: date
    amount: Decimal


def add_months(start: date, months: int) -> date:
    """`start` moved forward by whole months, the day clamped to the month's end."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def split_amount(total: Decimal, count: int) -> list[Decimal]:
    """`count` amounts summing to `total` exactly: equal cents, the last takes the remainder.

    Raises ValueError when the total is not whole cents, is not positive, or
    cannot give every installment at least one cent."""
    total = Decimal(total)
    if count < 1:
        raise ValueError("At least one installment is needed.")
    if total <= 0 or total != total.quantize(CENT):
        raise ValueError("The total must be a positive amount in whole cents.")
    if total < CENT * count:
        raise ValueError("The total is too small to give every installment at least one cent.")
    base = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    return [base] * (count - 1) + [total - base * (count - 1)]


def build_schedule(*, total: Decimal, count: int, start: date) -> list[PlannedInstallment]:
    """Monthly installments from `start`, the first due one month after it."""
    return [
        PlannedInstallment(number=k, due_date=add_months(start, k), amount=amount)
        for k, amount in enumerate(split_amount(total, count), start=1)
    ]


def profit_share(*, deferred: Decimal, amount: Decimal, owed: Decimal) -> Decimal:
    """The part of a payment that earns deferred murabaha profit (FAS 28).

    Profit is recognised pro rata: a payment of `amount` out of `owed` still owed
    earns deferred * amount / owed, to the cent (half up), which before any rebate
    is markup * amount / sale price. The payment that settles what is owed earns
    the whole remainder, so recognised + deferred is the markup to the cent."""
    if amount <= 0 or deferred <= 0:
        return Decimal("0.00")
    if amount >= owed:
        return deferred
    share = (deferred * amount / owed).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(share, deferred)
