from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.money import CENT, ZERO
from config.validators import multi_line, single_line
from loans import services
from loans.models import ASSET_MAX_LENGTH, MAX_MONTHS, MONEY, PURPOSE_MAX_LENGTH

_MONEY_WIDGET = {"step": "0.01", "inputmode": "decimal"}


class _ServiceRulesForm(forms.Form):
    """Runs the service's own check in clean(), so a field the form accepts but the
    service refuses (a principal above the maximum, a down payment not below the
    cost) is shown in the same pass as every other field's error."""

    def service_check(self, data: dict) -> None:
        raise NotImplementedError

    def clean(self) -> dict:
        data = super().clean()
        try:
            self.service_check(data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field not in self.errors:
                    self.add_error(field if field in self.fields else None, errors)
        return data


class LoanApplyForm(_ServiceRulesForm):
    principal_amount = forms.DecimalField(
        label=_("Amount"),
        min_value=CENT,
        **MONEY,
        widget=forms.NumberInput(attrs={**_MONEY_WIDGET, "min": "0.01"}),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=PURPOSE_MAX_LENGTH,
        validators=[multi_line],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the loan is for, in a sentence or two."),
    )
    repayment_months = forms.IntegerField(
        label=_("Repay over (months)"), min_value=1, max_value=MAX_MONTHS, initial=12
    )

    def __init__(self, *args, max_principal: Decimal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["principal_amount"]
        field.help_text = _("Up to %(max)s. Interest-free: you repay exactly this amount.") % {
            "max": f"{max_principal:,}"
        }

    def service_check(self, data: dict) -> None:
        services.loan_application_check(
            principal_amount=data.get("principal_amount"),
            purpose=data.get("purpose"),
            repayment_months=data.get("repayment_months"),
        )


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=CENT,
        **MONEY,
        widget=forms.NumberInput(attrs={**_MONEY_WIDGET, "min": "0.01"}),
        help_text=_("Paid from your wallet, oldest installment first."),
    )


class AcceptOfferForm(forms.Form):
    """Accepting binds the customer to a sale: an explicit confirmation, never one click."""

    confirm = forms.BooleanField(
        required=True,
        label=_("I have read the cost, the markup and the sale price, and I buy at this price."),
        error_messages={"required": _("Tick the box to confirm you accept the offer.")},
    )


class MurabahaRequestForm(_ServiceRulesForm):
    asset_description = forms.CharField(
        label=_("What should we buy for you?"),
        max_length=ASSET_MAX_LENGTH,
        validators=[single_line],
        help_text=_("The asset, precisely enough for us to buy it (model, seller...)."),
    )
    cost_price = forms.DecimalField(
        label=_("Its price"),
        min_value=CENT,
        **MONEY,
        widget=forms.NumberInput(attrs={**_MONEY_WIDGET, "min": "0.01"}),
    )
    down_payment = forms.DecimalField(
        label=_("Down payment"),
        min_value=ZERO,
        **MONEY,
        initial=ZERO,
        widget=forms.NumberInput(attrs={**_MONEY_WIDGET, "min": "0"}),
        help_text=_("Paid from your wallet when you accept; less than the price."),
    )
    installments_count = forms.IntegerField(
        label=_("Monthly installments"), min_value=1, max_value=MAX_MONTHS, initial=12
    )

    def service_check(self, data: dict) -> None:
        services.murabaha_request_check(
            asset_description=data.get("asset_description"),
            cost_price=data.get("cost_price"),
            installments_count=data.get("installments_count"),
            down_payment=data.get("down_payment") if data.get("down_payment") is not None else ZERO,
        )
