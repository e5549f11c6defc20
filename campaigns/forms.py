from decimal import Decimal

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from campaigns.models import (
    DESCRIPTION_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    NAME_MIN_LENGTH,
    UPDATE_BODY_MAX_LENGTH,
    UPDATE_TITLE_MAX_LENGTH,
    Donation,
)
from campaigns.services import MAX_DONATION
from config.validators import multi_line, single_line

PRESET_AMOUNTS = ("10", "25", "50", "100")
PAY_WITH_WALLET = "wallet"
PAY_WITH_CARD = "card"


class DonateForm(forms.Form):
    # Radio buttons styled as buttons: one tap picks an amount, no script needed.
    preset = forms.ChoiceField(
        label=_("Choose an amount"),
        choices=[(value, value) for value in PRESET_AMOUNTS],
        required=False,
        widget=forms.RadioSelect(attrs={"class": "preset-amounts"}),
    )
    amount = forms.DecimalField(
        label=_("Or another amount"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_DONATION,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
    )
    pay_with = forms.ChoiceField(
        label=_("Pay with"),
        choices=[(PAY_WITH_WALLET, _("My wallet")), (PAY_WITH_CARD, _("Card"))],
        initial=PAY_WITH_WALLET,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "By card, the payment goes straight to the campaign; no wallet balance needed."
        ),
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        validators=[multi_line],
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        # Formatted when shown, in the visitor's language (a plain `%` here would
        # format once, in English, at import).
        help_text=lazy(
            lambda: (
                _(
                    "Shown with your donation on the campaign page (up to %(MESSAGE_MAX_LENGTH)s "
                    "characters)."
                )
                % {"MESSAGE_MAX_LENGTH": MESSAGE_MAX_LENGTH}
            ),
            str,
        )(),
    )
    is_anonymous = forms.BooleanField(
        required=False,
        label=_("Give anonymously"),
        help_text=_('Others see "Anonymous" instead of your name.'),
    )
    designation = forms.ChoiceField(
        label=_("Give as"),
        choices=[
            (Donation.Designation.SADAQAH, _("Sadaqah (voluntary charity)")),
            (Donation.Designation.ZAKAT, _("Zakat (kept apart, spent only on zakat recipients)")),
        ],
        initial=Donation.Designation.SADAQAH,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, zakat_eligible: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only a zakat-eligible campaign offers the choice; elsewhere it is sadaqah.
        if not zakat_eligible:
            del self.fields["designation"]

    def clean_designation(self) -> str:
        return self.cleaned_data.get("designation") or Donation.Designation.SADAQAH

    def clean_pay_with(self) -> str:
        return self.cleaned_data.get("pay_with") or PAY_WITH_WALLET

    def clean(self) -> dict:
        """The typed amount wins over a preset; one of the two is needed."""
        data = super().clean()
        if data.get("amount") is None and "amount" not in self.errors:
            if data.get("preset"):
                data["amount"] = Decimal(data["preset"])
            else:
                self.add_error("amount", _("Choose an amount or type one."))
        data.pop("preset", None)
        return data


class CampaignForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        min_length=NAME_MIN_LENGTH,
        max_length=NAME_MAX_LENGTH,
        validators=[single_line],
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        validators=[multi_line],
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the money is for and who it helps."),
    )
    target_amount = forms.DecimalField(
        label=_("Target amount"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("End date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Must be after the start date."),
    )


class CoverForm(forms.Form):
    image = forms.FileField(
        label=_("Cover image"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP, up to 5 MB. Location and camera data are removed."),
    )


class CampaignUpdateForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=UPDATE_TITLE_MAX_LENGTH, validators=[single_line]
    )
    body = forms.CharField(
        label=_("What is new"),
        max_length=UPDATE_BODY_MAX_LENGTH,
        validators=[multi_line],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Every donor of the campaign is e-mailed this update."),
    )
