from decimal import Decimal

from django import forms
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


class DonateForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_DONATION,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
        help_text="Paid from your wallet.",
    )
    message = forms.CharField(
        required=False,
        validators=[multi_line],
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Shown with your donation on the campaign page (up to {MESSAGE_MAX_LENGTH} characters).",
    )
    is_anonymous = forms.BooleanField(
        required=False,
        label="Give anonymously",
        help_text='Others see "Anonymous" instead of your name.',
    )
    designation = forms.ChoiceField(
        label="Give as",
        choices=[
            (Donation.Designation.SADAQAH, "Sadaqah (voluntary charity)"),
            (Donation.Designation.ZAKAT, "Zakat (kept apart, spent only on zakat recipients)"),
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


class CampaignForm(forms.Form):
    name = forms.CharField(
        min_length=NAME_MIN_LENGTH, max_length=NAME_MAX_LENGTH, validators=[single_line]
    )
    description = forms.CharField(
        required=False,
        validators=[multi_line],
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the money is for and who it helps.",
    )
    target_amount = forms.DecimalField(
        label="Target amount",
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
    )
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), help_text="Must be after the start date."
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
