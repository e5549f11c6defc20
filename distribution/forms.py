from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.money import CENT, ZERO
from distribution.documents import MAX_DOCUMENTS
from distribution.models import HOUSEHOLD_MAX, NEED_MAX_LENGTH

_MONEY = {"max_digits": 18, "decimal_places": 2}
_MONEY_WIDGET = {"step": "0.01", "inputmode": "decimal"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_DOCUMENTS:
            raise forms.ValidationError(
                _("At most %(MAX_DOCUMENTS)s documents.") % {"MAX_DOCUMENTS": MAX_DOCUMENTS}
            )
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class ZakatApplyForm(forms.Form):
    household_size = forms.IntegerField(
        label=_("People in your household"), min_value=1, max_value=HOUSEHOLD_MAX, initial=1
    )
    monthly_income = forms.DecimalField(
        label=_("Household income per month"),
        min_value=ZERO,
        **_MONEY,
        widget=forms.NumberInput(attrs={**_MONEY_WIDGET, "min": "0"}),
    )
    need_description = forms.CharField(
        label=_("What you need help with"),
        max_length=NEED_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    amount_requested = forms.DecimalField(
        label=_("Amount you ask for"),
        min_value=CENT,
        **_MONEY,
        widget=forms.NumberInput(attrs={**_MONEY_WIDGET, "min": "0.01"}),
    )
    documents = MultipleFileField(
        label=_("Supporting documents"),
        required=False,
        help_text=_("PDF, JPEG or PNG, up to 5 MB each. Only you and our zakat officers see them."),
    )
