"""The report pages' filters (dates), checked like any form."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone


class AsOfForm(forms.Form):
    as_of = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def as_of_date(self):
        return self.cleaned_data.get("as_of") or timezone.localdate()


class RangeForm(forms.Form):
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"].replace(day=1)
        if data["date_from"] > data["date_to"]:
            raise ValidationError("The start date must be on or before the end date.")
        return data


class HijriYearForm(forms.Form):
    hijri_year = forms.IntegerField(required=False, min_value=1343, max_value=1500)
