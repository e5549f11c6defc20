"""The pure calculation module: the seed's table, rounding, the itemized sum."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zakat import calculation
from zakat.calculation import Assets, Liabilities


@pytest.mark.parametrize(
    ("wealth", "nisab", "zakat", "obligated"),
    [
        ("10000", "5000", "250.00", True),
        ("5000", "5000", "125.00", True),
        ("4999", "5000", "0.00", False),
        ("100000", "5000", "2500.00", True),
    ],
)
def test_seed_table(wealth, nisab, zakat, obligated):
    result = calculation.calculate_simple(
        wealth_amount=Decimal(wealth), nisab_threshold=Decimal(nisab)
    )
    assert result.zakat_amount == Decimal(zakat)
    assert str(result.zakat_amount) == zakat
    assert result.is_obligated is obligated


@pytest.mark.parametrize(
    ("wealth", "zakat"),
    [
        ("100.10", "2.50"),  # 2.5025 -> 2.50
        ("100.20", "2.51"),  # 2.505 -> 2.51 (half up, not half even)
        ("100.60", "2.52"),  # 2.515 -> 2.52
        ("0.20", "0.01"),  # 0.005 -> 0.01
        ("0.19", "0.00"),  # 0.00475 -> 0.00
        ("1000.01", "25.00"),  # 25.00025 -> 25.00
    ],
)
def test_rounding_is_half_up_to_the_cent(wealth, zakat):
    result = calculation.calculate_simple(
        wealth_amount=Decimal(wealth), nisab_threshold=Decimal("0.01")
    )
    assert result.zakat_amount == Decimal(zakat)


def test_itemized_gold_standard_breakdown():
    result = calculation.calculate_itemized(
        assets=Assets(
            cash=Decimal("4000.00"),
            gold_grams=Decimal("20"),
            silver_grams=Decimal("100"),
            investments=Decimal("1500.00"),
            business_inventory=Decimal("700.00"),
            receivables=Decimal("300.00"),
        ),
        liabilities=Liabilities(short_term_debts=Decimal("500.00")),
        nisab_standard="gold",
        gold_price_per_gram=Decimal("95.00"),
        silver_price_per_gram=Decimal("1.10"),
    )
    amounts = {line.code: line.amount for line in result.breakdown}
    assert [line.code for line in result.breakdown] == [
        "cash",
        "gold",
        "silver",
        "investments",
        "business_inventory",
        "receivables",
        "short_term_debts",
    ]
    assert amounts["gold"] == Decimal("1900.00")
    assert amounts["silver"] == Decimal("110.00")
    assert amounts["short_term_debts"] == Decimal("-500.00")
    assert result.zakatable_wealth == Decimal("8010.00")
    assert result.nisab_threshold == Decimal("8075.00")  # 85 g x 95.00
    assert result.is_obligated is False
    assert result.zakat_amount == Decimal("0.00")


def test_itemized_silver_standard_makes_the_same_wealth_obligated():
    result = calculation.calculate_itemized(
        assets=Assets(cash=Decimal("8010.00")),
        liabilities=Liabilities(),
        nisab_standard="silver",
        gold_price_per_gram=Decimal("95.00"),
        silver_price_per_gram=Decimal("1.10"),
    )
    assert result.nisab_threshold == Decimal("654.50")  # 595 g x 1.10
    assert result.is_obligated is True
    assert result.zakat_amount == Decimal("200.25")


def test_wealth_never_goes_below_zero():
    result = calculation.calculate_itemized(
        assets=Assets(cash=Decimal("100.00")),
        liabilities=Liabilities(short_term_debts=Decimal("900.00")),
        nisab_standard="silver",
        gold_price_per_gram=Decimal("95.00"),
        silver_price_per_gram=Decimal("1.10"),
    )
    assert result.zakatable_wealth == 0
    assert result.zakat_amount == Decimal("0.00")
    assert result.is_obligated is False


def test_zakat_is_rounded_once_from_exact_lines():
    # 0.003 g x 95.00 = 0.285 and 0.281 g x 1.10 = 0.3091: exact total 1000.5941,
    # x 2.5% = 25.0148525 -> 25.01. Rounding each line to cents first gives
    # 1000.00 + 0.29 + 0.31 = 1000.60 -> 25.015 -> 25.02, and rounding each line's
    # zakat gives 25.00 + 0.01 + 0.01 = 25.02: only rounding once gives 25.01.
    result = calculation.calculate_itemized(
        assets=Assets(
            cash=Decimal("1000.00"), gold_grams=Decimal("0.003"), silver_grams=Decimal("0.281")
        ),
        liabilities=Liabilities(),
        nisab_standard="silver",
        gold_price_per_gram=Decimal("95.00"),
        silver_price_per_gram=Decimal("1.10"),
    )
    assert [line.amount for line in result.breakdown[:3]] == [
        Decimal("1000.00"),
        Decimal("0.285"),
        Decimal("0.3091"),
    ]
    assert result.zakatable_wealth == Decimal("1000.5941")
    assert result.zakat_amount == Decimal("25.01")


def test_hawl_is_a_hijri_year_and_ounces_convert():
    assert calculation.hawl_next_due(date(2026, 1, 1)) == date(2026, 12, 21)  # 12 Rajab
    assert calculation.hawl_next_due(date(2024, 2, 11)) == date(2025, 1, 31)  # 355 days
    assert calculation.ounce_to_gram_price(Decimal("31.1034768")) == 1


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)


@given(wealth=money, nisab=money)
def test_simple_matches_a_reference_computation(wealth, nisab):
    result = calculation.calculate_simple(wealth_amount=wealth, nisab_threshold=nisab)
    expected = (
        (wealth * Decimal("2.5") / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if wealth >= nisab
        else Decimal("0.00")
    )
    assert result.zakat_amount == expected
    assert result.is_obligated is (wealth >= nisab)
