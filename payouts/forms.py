from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from payouts.models import HOLDER_NAME_MAX_LENGTH
from payouts.services import AMOUNT_MAX


class PayoutAccountForm(forms.Form):
    holder_name = forms.CharField(
        label=_("Account holder"), max_length=HOLDER_NAME_MAX_LENGTH, strip=True
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=64,
        help_text=_(
            "As on your bank statement; spaces are fine. We store it encrypted and "
            "only ever show its last four characters."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class WithdrawForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=Decimal("0.01"),
        max_value=AMOUNT_MAX,
        max_digits=18,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
    )
    payout_account = forms.ChoiceField(label=_("To bank account"))

    def __init__(self, *args, accounts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payout_account"].choices = [
            (str(a.pk), f"{a.holder_name} · {a.iban_masked}") for a in accounts
        ]
