from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.services import MAX_DONATION
from giving.models import Designation, RecurringDonation

AMOUNT_WIDGET = forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"})


class RecurringDonationForm(forms.Form):
    campaign = forms.ChoiceField(label=_("Campaign"))
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_DONATION,
        widget=AMOUNT_WIDGET,
        help_text=_("Taken from your wallet each time."),
    )
    frequency = forms.ChoiceField(label=_("How often"), choices=RecurringDonation.Frequency.choices)
    designation = forms.ChoiceField(
        label=_("Give as"), choices=Designation.choices, initial=Designation.SADAQAH
    )

    def __init__(self, *args, campaigns=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(str(c.pk), c.name) for c in campaigns]


class RecurringAmountForm(forms.Form):
    amount = forms.DecimalField(
        label=_("New amount"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_DONATION,
        widget=AMOUNT_WIDGET,
    )
