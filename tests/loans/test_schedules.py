"""The schedule is a pure function: exact sums, positive amounts, clamped month ends."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loans.schedules import add_months, build_schedule, split_amount

cents = st.integers(min_value=1, max_value=10**12)


@given(total_cents=cents, count=st.integers(min_value=1, max_value=60), start=st.dates())
def test_any_schedule_sums_exactly_and_is_monotonic(total_cents, count, start):
    total = Decimal(total_cents) / 100
    if total_cents < count or start.year > 9994:
        return
    plan = build_schedule(total=total, count=count, start=start)

    amounts = [p.amount for p in plan]
    assert sum(amounts) == total
    assert all(a > 0 and a == a.quantize(Decimal("0.01")) for a in amounts)
    assert len(set(amounts[:-1])) <= 1
    assert Decimal(0) <= amounts[-1] - amounts[0] < Decimal(count) / 100
    dates = [p.due_date for p in plan]
    assert all(a < b for a, b in zip([start, *dates], dates, strict=False))
    assert all(d.day <= start.day for d in dates)
    assert [p.number for p in plan] == list(range(1, count + 1))


def test_the_last_installment_takes_the_remainder():
    assert split_amount(Decimal("100.00"), 3) == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert split_amount(Decimal("0.05"), 3) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.03")]


def test_month_end_clamps_and_returns_to_the_original_day():
    plan = build_schedule(total=Decimal("300.00"), count=3, start=date(2027, 1, 31))
    assert [p.due_date for p in plan] == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("total", "count"), [("0.00", 1), ("-1.00", 1), ("1.001", 1), ("0.02", 3), ("10.00", 0)]
)
def test_impossible_splits_are_refused(total, count):
    with pytest.raises(ValueError, match=r"."):
        split_amount(Decimal(total), count)
