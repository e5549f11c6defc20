"""The financing API's serializers: input shapes (InputSerializer) and outputs.

Qard hasan carries no interest, fee or markup field anywhere; a murabaha's sale
price is cost + a disclosed markup, fixed at acceptance."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import MoneyField
from config.api.serializers import InputSerializer
from loans.models import (
    ASSET_MAX_LENGTH,
    MAX_MONTHS,
    MONEY,
    MURABAHA_MAX_PRICE,
    PURPOSE_MAX_LENGTH,
    REJECTION_REASON_MAX_LENGTH,
    Installment,
    Loan,
    MurabahaContract,
    Payment,
)


class LoanOut(serializers.ModelSerializer):
    borrower_id = serializers.UUIDField()
    principal_amount = serializers.DecimalField(**MONEY)
    repaid_amount = serializers.DecimalField(**MONEY)
    remaining_balance = serializers.DecimalField(
        **MONEY, help_text="principal - repaid. Nothing is ever added to it."
    )
    days_past_due = serializers.IntegerField(
        help_text="Days since the oldest unpaid installment fell due; 0 when none is late."
    )

    class Meta:
        model = Loan
        fields = [
            "id",
            "borrower_id",
            "principal_amount",
            "repaid_amount",
            "remaining_balance",
            "status",
            "purpose",
            "repayment_months",
            "disbursement_date",
            "created_at",
            "days_past_due",
        ]


class LoanApplyIn(InputSerializer):
    principal_amount = MoneyField(help_text="More than 0 and at most LOAN_MAX_PRINCIPAL.")
    purpose = serializers.CharField(max_length=PURPOSE_MAX_LENGTH)
    repayment_months = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS)


class LoanInstallmentOut(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY)
    paid_amount = serializers.DecimalField(**MONEY)

    class Meta:
        model = Installment
        fields = ["number", "due_date", "amount", "paid_amount", "status"]


@extend_schema_field(
    {"type": "string", "enum": Payment.Source.values, "default": Payment.Source.WALLET},
    component_name="FinancingPaymentSource",
)
class PaymentSourceField(serializers.ChoiceField):
    """`wallet` or `external`; documented inline (another app's enum is also named Source)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Payment.Source.choices, default=Payment.Source.WALLET, **kwargs)


class LoanRepaymentIn(InputSerializer):
    # The contract calls it payment_amount; the service takes it as `amount`.
    payment_amount = MoneyField(source="amount")
    source = PaymentSourceField(
        help_text="`wallet` (default): from the borrower's wallet. `external`: cash staff "
        "received outside the platform; staff only (a borrower gets 403).",
    )


class LoanRejectIn(InputSerializer):
    reason = serializers.CharField(
        max_length=REJECTION_REASON_MAX_LENGTH, required=False, allow_blank=True
    )


class MurabahaContractOut(serializers.ModelSerializer):
    customer_id = serializers.UUIDField()
    cost_price = serializers.DecimalField(**MONEY)
    markup_amount = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="Null until the institution makes its offer."
    )
    sale_price = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="cost + markup; fixed once accepted."
    )
    down_payment = serializers.DecimalField(**MONEY)
    paid_amount = serializers.DecimalField(
        **MONEY, help_text="Paid towards the installments (the down payment excluded)."
    )
    remaining_balance = serializers.DecimalField(
        **MONEY, help_text="sale - down payment - paid (cost - down payment before an offer)."
    )
    days_past_due = serializers.IntegerField()

    class Meta:
        model = MurabahaContract
        fields = [
            "id",
            "customer_id",
            "asset_description",
            "cost_price",
            "markup_amount",
            "sale_price",
            "down_payment",
            "installments_count",
            "paid_amount",
            "remaining_balance",
            "status",
            "created_at",
            "days_past_due",
        ]


class MurabahaRequestIn(InputSerializer):
    asset_description = serializers.CharField(max_length=ASSET_MAX_LENGTH)
    cost_price = MoneyField(max_value=MURABAHA_MAX_PRICE)
    installments_count = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS)
    down_payment = MoneyField(min_value=0, required=False, default="0.00")


class MurabahaOfferIn(InputSerializer):
    markup_amount = MoneyField(min_value=0, max_value=MURABAHA_MAX_PRICE)


class MurabahaPaymentIn(InputSerializer):
    amount = MoneyField()
    source = PaymentSourceField(
        help_text="`external` (cash received by staff) is for staff only.",
    )
