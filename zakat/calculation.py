"""The zakat arithmetic: pure functions, Decimal only, no database.

Both API versions, the calculator page and the record services call this module,
so one set of rules decides every figure the platform shows.

Rules (the Hanafi-majority reading used by the institution):

- Nisab is 85 g of gold or 595 g of silver at the price in force. The payer picks
  the standard: gold is the default; silver gives the lower threshold, which many
  scholars prefer for cash because it lets more wealth reach the poor.
- Zakat is 2.5% of the *whole* zakatable wealth when it reaches the nisab; the
  comparison is inclusive (wealth equal to the nisab is obligated).
- Rounding happens once, at the end: the exact Decimal product is rounded half-up
  to the cent with `accounts.money.quantize`. Intermediate lines are never rounded
  before they are summed; they are rounded only for display.
- Zakatable wealth (itemized) = cash and bank balances + gold grams x gold price
  + silver grams x silver price + investments + business inventory + receivables
  expected to be paid - short-term debts due now, never below zero.
- Hawl: zakat falls due one lunar year (354 days) after the wealth first reached
  the nisab.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from accounts.money import ZERO, quantize

ZAKAT_RATE = Decimal("0.025")
GOLD_NISAB_GRAMS = Decimal("85")
SILVER_NISAB_GRAMS = Decimal("595")
HAWL_DAYS = 354
TROY_OUNCE_GRAMS = Decimal("31.1034768")
# Weights are entered to the milligram: 3 decimal places, 15 digits in all.
GRAMS_DECIMAL_PLACES = 3
GRAMS_MAX_DIGITS = 15

GOLD = "gold"
SILVER = "silver"
NISAB_STANDARDS = (GOLD, SILVER)


@dataclass(frozen=True)
class SimpleResult:
    wealth_amount: Decimal
    nisab_threshold: Decimal
    zakat_amount: Decimal
    is_obligated: bool


def zakat_due(*, wealth: Decimal, nisab: Decimal) -> tuple[Decimal, bool]:
    """2.5% of the whole wealth, rounded half-up to the cent once, when wealth >= nisab;
    otherwise nothing is due (0.00)."""
    wealth = Decimal(wealth)
    nisab = Decimal(nisab)
    if wealth >= nisab:
        return quantize(wealth * ZAKAT_RATE), True
    return ZERO, False


def calculate_simple(*, wealth_amount: Decimal, nisab_threshold: Decimal) -> SimpleResult:
    """The v1 calculation: the caller states its wealth and the nisab to use."""
    zakat, obligated = zakat_due(wealth=wealth_amount, nisab=nisab_threshold)
    return SimpleResult(
        wealth_amount=Decimal(wealth_amount),
        nisab_threshold=Decimal(nisab_threshold),
        zakat_amount=zakat,
        is_obligated=obligated,
    )


def nisab_threshold(
    *, standard: str, gold_price_per_gram: Decimal, silver_price_per_gram: Decimal
) -> Decimal:
    """85 g of gold or 595 g of silver at the given per-gram price (exact, not rounded:
    prices are whole cents, so the product already is)."""
    if standard == GOLD:
        return GOLD_NISAB_GRAMS * Decimal(gold_price_per_gram)
    if standard == SILVER:
        return SILVER_NISAB_GRAMS * Decimal(silver_price_per_gram)
    raise ValueError(f"Unknown nisab standard {standard!r}")


def nisab_thresholds(
    *, gold_price_per_gram: Decimal, silver_price_per_gram: Decimal
) -> dict[str, Decimal]:
    """Both thresholds at the given prices, by standard (`gold`, `silver`): what the
    nisab endpoint and the calculator page show side by side."""
    return {
        standard: nisab_threshold(
            standard=standard,
            gold_price_per_gram=gold_price_per_gram,
            silver_price_per_gram=silver_price_per_gram,
        )
        for standard in NISAB_STANDARDS
    }


@dataclass(frozen=True)
class Assets:
    cash: Decimal = ZERO
    gold_grams: Decimal = Decimal(0)
    silver_grams: Decimal = Decimal(0)
    investments: Decimal = ZERO
    business_inventory: Decimal = ZERO
    receivables: Decimal = ZERO


@dataclass(frozen=True)
class Liabilities:
    short_term_debts: Decimal = ZERO


@dataclass(frozen=True)
class BreakdownLine:
    """One line of the itemized calculation. `amount` is signed (debts negative) and
    exact; `quantity`/`unit_price` are set for the metal lines (grams x price)."""

    code: str
    label: str
    amount: Decimal
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class ItemizedResult:
    zakatable_wealth: Decimal
    nisab_standard: str
    nisab_threshold: Decimal
    gold_price_per_gram: Decimal
    silver_price_per_gram: Decimal
    zakat_amount: Decimal
    is_obligated: bool
    breakdown: list[BreakdownLine] = field(default_factory=list)


LINE_LABELS = {
    "cash": "Cash and bank balances",
    "gold": "Gold",
    "silver": "Silver",
    "investments": "Investments (shares, funds)",
    "business_inventory": "Business inventory at market value",
    "receivables": "Receivables expected to be paid",
    "short_term_debts": "Short-term debts due now (deducted)",
}


def calculate_itemized(
    *,
    assets: Assets,
    liabilities: Liabilities,
    nisab_standard: str,
    gold_price_per_gram: Decimal,
    silver_price_per_gram: Decimal,
) -> ItemizedResult:
    """The v2 calculation. Every line of the sum is in `breakdown`, in this order:
    cash, gold (grams x gold price), silver (grams x silver price), investments,
    business inventory, receivables, short-term debts (negative). The total never
    goes below zero; the nisab comes from the chosen standard; zakat is rounded once."""
    gold_price = Decimal(gold_price_per_gram)
    silver_price = Decimal(silver_price_per_gram)
    lines = [
        BreakdownLine("cash", LINE_LABELS["cash"], Decimal(assets.cash)),
        BreakdownLine(
            "gold",
            LINE_LABELS["gold"],
            Decimal(assets.gold_grams) * gold_price,
            quantity=Decimal(assets.gold_grams),
            unit_price=gold_price,
        ),
        BreakdownLine(
            "silver",
            LINE_LABELS["silver"],
            Decimal(assets.silver_grams) * silver_price,
            quantity=Decimal(assets.silver_grams),
            unit_price=silver_price,
        ),
        BreakdownLine("investments", LINE_LABELS["investments"], Decimal(assets.investments)),
        BreakdownLine(
            "business_inventory",
            LINE_LABELS["business_inventory"],
            Decimal(assets.business_inventory),
        ),
        BreakdownLine("receivables", LINE_LABELS["receivables"], Decimal(assets.receivables)),
        BreakdownLine(
            "short_term_debts",
            LINE_LABELS["short_term_debts"],
            -Decimal(liabilities.short_term_debts),
        ),
    ]
    wealth = max(sum((line.amount for line in lines), Decimal(0)), Decimal(0))
    nisab = nisab_threshold(
        standard=nisab_standard,
        gold_price_per_gram=gold_price,
        silver_price_per_gram=silver_price,
    )
    zakat, obligated = zakat_due(wealth=wealth, nisab=nisab)
    return ItemizedResult(
        zakatable_wealth=wealth,
        nisab_standard=nisab_standard,
        nisab_threshold=nisab,
        gold_price_per_gram=gold_price,
        silver_price_per_gram=silver_price,
        zakat_amount=zakat,
        is_obligated=obligated,
        breakdown=lines,
    )


def hawl_next_due(start: date) -> date:
    """One lunar year (354 days) after the wealth first reached the nisab."""
    return start + timedelta(days=HAWL_DAYS)


def ounce_to_gram_price(price_per_troy_ounce: Decimal) -> Decimal:
    """A price per troy ounce (31.1034768 g) as a price per gram (exact; callers round)."""
    return Decimal(price_per_troy_ounce) / TROY_OUNCE_GRAMS
