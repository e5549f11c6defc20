"""The zakat arithmetic: pure functions, Decimal only, no database.

Both API versions, the calculator page and the record services call this module,
so one set of rules decides every figure the platform shows.

Rules (the Hanafi-majority reading used by the institution):

- Nisab is 85 g of gold or 595 g of silver at the price in force. The payer picks
  the standard; when they name none the platform's default applies
  (`ZAKAT_DEFAULT_NISAB`, silver unless set): silver gives the lower threshold,
  the one that favours the recipients when wealth is mixed (cash, trade goods),
  as several calculators (e.g. the National Zakat Foundation's) do. Every answer
  also gives the verdict under the other standard.
- Gold is counted by its pure content: grams x karat / 24 (24 karat is pure gold,
  22 karat is 22/24 gold), so 100 g of 18-karat jewellery counts as 75 g of gold.
- Zakat is 2.5% of the *whole* zakatable wealth when it reaches the nisab; the
  comparison is inclusive (wealth equal to the nisab is obligated).
- Rounding happens once, at the end: the exact Decimal product is rounded half-up
  to the cent with `accounts.money.quantize`. Intermediate lines are never rounded
  before they are summed; they are rounded only for display.
- Zakatable wealth (itemized) = cash and bank balances + gold grams x gold price
  + silver grams x silver price + investments + business inventory + receivables
  expected to be paid - short-term debts due now, never below zero.
- Hawl: zakat falls due one lunar (Hijri) year after the wealth first reached the
  nisab: the same Hijri day of the same month a year later by the Umm al-Qura
  calendar (AAOIFI Sharia Standard No. 35 on zakat), clamped to the month's last
  day when that month is shorter (30 -> 29). A Hijri year is 354 or 355 days, so
  a fixed count of days drifts from it.
- Every stored or shown sum fits the platform's money column (18 digits, 2
  places): a larger line or total is refused (`AmountTooLarge`), never overflowed.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import hijridate

from accounts.money import ZERO, quantize

ZAKAT_RATE = Decimal("0.025")
GOLD_NISAB_GRAMS = Decimal("85")
SILVER_NISAB_GRAMS = Decimal("595")
# The largest amount a money column (DecimalField(max_digits=18, decimal_places=2)) holds.
MAX_AMOUNT = Decimal("9999999999999999.99")
PURE_GOLD_KARAT = 24
TROY_OUNCE_GRAMS = Decimal("31.1034768")
# Weights are entered to the milligram: 3 decimal places, 15 digits in all.
GRAMS_DECIMAL_PLACES = 3
GRAMS_MAX_DIGITS = 15

GOLD = "gold"
SILVER = "silver"
NISAB_STANDARDS = (GOLD, SILVER)


class AmountTooLarge(ValueError):
    """A line or total of the calculation is beyond MAX_AMOUNT. `fields` names the
    input fields whose lines overflow (`cash`, `gold_grams`, ... `short_term_debts`),
    or `zakatable_wealth` when only the total does."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        super().__init__(f"Amounts too large to store: {', '.join(fields)}")


def other_standard(standard: str) -> str:
    return SILVER if standard == GOLD else GOLD


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
    gold_karat: int = PURE_GOLD_KARAT
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
class StandardVerdict:
    """The same wealth judged against the other nisab standard."""

    nisab_standard: str
    nisab_threshold: Decimal
    is_obligated: bool


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
    other_standard: StandardVerdict | None = None


LINE_LABELS = {
    "cash": "Cash and bank balances",
    "gold": "Gold",
    "silver": "Silver",
    "investments": "Investments (shares, funds)",
    "business_inventory": "Business inventory at market value",
    "receivables": "Receivables expected to be paid",
    "short_term_debts": "Short-term debts due now (deducted)",
}


# The input field behind each line, for errors that name what to correct.
LINE_FIELDS = {"gold": "gold_grams", "silver": "silver_grams"}


def pure_gold_grams(grams: Decimal, karat: int) -> Decimal:
    """Grams of pure gold in `grams` of `karat` gold: grams x karat / 24 (exact to the
    Decimal context's 28 digits; shown to the milligram)."""
    if not 1 <= int(karat) <= PURE_GOLD_KARAT:
        raise ValueError(f"Karat must be 1 to {PURE_GOLD_KARAT}, not {karat!r}")
    return Decimal(grams) * int(karat) / PURE_GOLD_KARAT


# The smallest value that rounds (half up) to more than MAX_AMOUNT. Compared without
# rounding, so a value too large for the Decimal context to round is refused too.
_ROUNDS_ABOVE_MAX = MAX_AMOUNT + Decimal("0.005")


def _check_fits(lines: list[BreakdownLine], wealth: Decimal) -> None:
    """Refuse any line or total that a money column could not hold once rounded."""
    too_large = tuple(
        LINE_FIELDS.get(line.code, line.code)
        for line in lines
        if abs(line.amount) >= _ROUNDS_ABOVE_MAX
    )
    if not too_large and wealth >= _ROUNDS_ABOVE_MAX:
        too_large = ("zakatable_wealth",)
    if too_large:
        raise AmountTooLarge(too_large)


def calculate_itemized(
    *,
    assets: Assets,
    liabilities: Liabilities,
    nisab_standard: str,
    gold_price_per_gram: Decimal,
    silver_price_per_gram: Decimal,
) -> ItemizedResult:
    """The v2 calculation. Every line of the sum is in `breakdown`, in this order:
    cash, gold (pure grams x gold price), silver (grams x silver price), investments,
    business inventory, receivables, short-term debts (negative). The total never
    goes below zero; the nisab comes from the chosen standard; zakat is rounded once.
    `other_standard` judges the same wealth against the other standard.

    Gold of `gold_karat` below 24 counts by its pure content (grams x karat / 24);
    the gold line's `quantity` is then the pure grams, to the milligram, and its
    amount is grams x price x karat / 24 with the division last, so it stays exact
    to far below a cent. Raises AmountTooLarge when a line or the total would not
    fit a money column."""
    gold_price = Decimal(gold_price_per_gram)
    silver_price = Decimal(silver_price_per_gram)
    karat = int(assets.gold_karat)
    gold_grams = Decimal(assets.gold_grams)
    pure_gold = pure_gold_grams(gold_grams, karat)
    gold_label = LINE_LABELS["gold"]
    if karat != PURE_GOLD_KARAT:
        gold_label = f"{gold_label} ({karat} karat)"
    lines = [
        BreakdownLine("cash", LINE_LABELS["cash"], Decimal(assets.cash)),
        BreakdownLine(
            "gold",
            gold_label,
            gold_grams * gold_price * karat / PURE_GOLD_KARAT,
            quantity=pure_gold.quantize(Decimal("0.001"))
            if karat != PURE_GOLD_KARAT
            else gold_grams,
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
    _check_fits(lines, wealth)
    thresholds = nisab_thresholds(
        gold_price_per_gram=gold_price, silver_price_per_gram=silver_price
    )
    if nisab_standard not in thresholds:
        raise ValueError(f"Unknown nisab standard {nisab_standard!r}")
    nisab = thresholds[nisab_standard]
    zakat, obligated = zakat_due(wealth=wealth, nisab=nisab)
    other = other_standard(nisab_standard)
    return ItemizedResult(
        zakatable_wealth=wealth,
        nisab_standard=nisab_standard,
        nisab_threshold=nisab,
        gold_price_per_gram=gold_price,
        silver_price_per_gram=silver_price,
        zakat_amount=zakat,
        is_obligated=obligated,
        breakdown=lines,
        other_standard=StandardVerdict(
            nisab_standard=other,
            nisab_threshold=thresholds[other],
            is_obligated=wealth >= thresholds[other],
        ),
    )


def hawl_next_due(start: date) -> date:
    """The same Hijri day one Hijri year after `start` (Umm al-Qura), clamped to the
    last day of that month when it is shorter (30 -> 29): a lunar year is 354 or 355
    days, so no fixed count of days gives it. Raises ValueError outside the Umm
    al-Qura table (1343-1500 AH, about 1924-2077)."""
    try:
        hijri = hijridate.Gregorian(start.year, start.month, start.day).to_hijri()
        first = hijridate.Hijri(hijri.year + 1, hijri.month, 1)
        day = min(hijri.day, first.month_length())
        due = hijridate.Hijri(hijri.year + 1, hijri.month, day).to_gregorian()
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"{start} is outside the Umm al-Qura calendar's range") from exc
    return date(due.year, due.month, due.day)


def ounce_to_gram_price(price_per_troy_ounce: Decimal) -> Decimal:
    """A price per troy ounce (31.1034768 g) as a price per gram (exact; callers round)."""
    return Decimal(price_per_troy_ounce) / TROY_OUNCE_GRAMS
