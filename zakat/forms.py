from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from zakat import calculation
from zakat.models import FITR_PEOPLE_MAX


def _money(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=18,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(
            attrs={"step": "0.01", "min": "0", "inputmode": "decimal", "placeholder": "0.00"}
        ),
    )


def _grams(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=calculation.GRAMS_MAX_DIGITS,
        decimal_places=calculation.GRAMS_DECIMAL_PLACES,
        widget=forms.NumberInput(
            attrs={"step": "0.001", "min": "0", "inputmode": "decimal", "placeholder": "0"}
        ),
    )


class CalculatorForm(forms.Form):
    """The itemized calculator. Every field is optional; an empty one counts as 0."""

    nisab_standard = forms.ChoiceField(
        label=_("Nisab standard"),
        choices=[
            (calculation.GOLD, _("Gold: 85 g")),
            (calculation.SILVER, _("Silver: 595 g (the lower threshold)")),
        ],
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Silver, the lower threshold, is the default: it favours the recipients "
            "when wealth is mixed."
        ),
    )
    cash = _money(_("Cash and bank balances"))
    gold_grams = _grams(_("Gold you own (grams)"))
    gold_karat = forms.IntegerField(
        label=_("Purity of your gold (karat)"),
        required=False,
        min_value=1,
        max_value=calculation.PURE_GOLD_KARAT,
        initial=calculation.PURE_GOLD_KARAT,
        help_text=_(
            "24 is pure gold; 22, 21 and 18 karat count as 22/24, 21/24 and 18/24 of their weight."
        ),
        widget=forms.NumberInput(attrs={"min": "1", "max": "24", "step": "1"}),
    )
    silver_grams = _grams(_("Silver you own (grams)"))
    investments = _money(_("Investments"), _("Shares and funds at today's value."))
    business_inventory = _money(_("Business inventory"), _("Trade goods at market value."))
    receivables = _money(_("Money owed to you"), _("Only what you expect to be paid."))
    short_term_debts = _money(_("Short-term debts due now"), _("Deducted from your wealth."))

    ASSET_FIELDS = (
        "cash",
        "gold_grams",
        "silver_grams",
        "investments",
        "business_inventory",
        "receivables",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Read per form, so the setting can change without a restart of the module.
        self.fields["nisab_standard"].initial = settings.ZAKAT_DEFAULT_NISAB

    def assets(self) -> calculation.Assets:
        return calculation.Assets(
            **{name: self.cleaned_data.get(name) or Decimal(0) for name in self.ASSET_FIELDS},
            gold_karat=self.cleaned_data.get("gold_karat") or calculation.PURE_GOLD_KARAT,
        )

    def liabilities(self) -> calculation.Liabilities:
        return calculation.Liabilities(
            short_term_debts=self.cleaned_data.get("short_term_debts") or Decimal(0)
        )

    def standard(self) -> str:
        return self.cleaned_data.get("nisab_standard") or settings.ZAKAT_DEFAULT_NISAB

    def add_too_large(self, exc: calculation.AmountTooLarge, message: str) -> None:
        """Show the calculation's overflow beside each field to correct (the total's,
        above the form)."""
        for name in exc.fields:
            self.add_error(name if name in self.fields else None, message)


class HawlForm(forms.Form):
    started_on = forms.DateField(
        label=_("Date my wealth first reached the nisab"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Zakat falls due one Hijri year later, on the same Hijri day."),
    )


class FitrForm(forms.Form):
    people = forms.IntegerField(
        label=_("People in my household"),
        min_value=1,
        max_value=FITR_PEOPLE_MAX,
        initial=1,
        widget=forms.NumberInput(attrs={"min": "1", "max": str(FITR_PEOPLE_MAX), "step": "1"}),
        help_text=_("Everyone you provide for, children included: zakat al-fitr is due for each."),
    )
