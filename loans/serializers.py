"""The financing API's serializers: input shapes (InputSerializer) and outputs.

Qard hasan carries no interest, fee or markup field anywhere; a murabaha's sale
price is cost + a disclosed markup, fixed at acceptance."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import formatting
from config.api.fields import MoneyField
from config.api.serializers import InputSerializer
from loans.models import (
    ASSET_MAX_LENGTH,
    INVOICE_MAX_LENGTH,
    LATE_CHARITY_MAX_PERCENT,
    MAX_MONTHS,
    MONEY,
    MURABAHA_MAX_PRICE,
    PURPOSE_MAX_LENGTH,
    REJECTION_REASON_MAX_LENGTH,
    SUPPLIER_MAX_LENGTH,
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

    def to_representation(self, loan: Loan) -> dict:
        """The declared fields in one go, as CampaignOut: building a
        ModelSerializer's fields is most of a loan read's serializer cost. A test
        holds this equal to DRF's generic output."""
        return {
            "id": str(loan.pk),
            "borrower_id": str(loan.borrower_id),
            "principal_amount": formatting.money(loan.principal_amount),
            "repaid_amount": formatting.money(loan.repaid_amount),
            "remaining_balance": formatting.money(loan.remaining_balance),
            "status": loan.status,
            "purpose": loan.purpose,
            "repayment_months": loan.repayment_months,
            "disbursement_date": formatting.date(loan.disbursement_date),
            "created_at": formatting.datetime(loan.created_at),
            "days_past_due": loan.days_past_due,
        }


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
        max_length=REJECTION_REASON_MAX_LENGTH,
        help_text="Why the application is not approved; the applicant reads it.",
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
    estimated_cost = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="The customer's estimate when requesting."
    )
    supplier_name = serializers.CharField(help_text="Who the institution bought from.")
    invoice_reference = serializers.CharField(help_text="The supplier's invoice.")
    possession_date = serializers.DateField(
        allow_null=True, help_text="When the institution took possession of the asset."
    )
    offer_valid_until = serializers.DateField(
        allow_null=True, help_text="The last day the offer may be accepted."
    )
    late_charity_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        help_text="Late-payment charity undertaking: percent of each overdue installment, "
        "given to charity (never the institution's income).",
    )
    profit_recognized = serializers.DecimalField(
        **MONEY, help_text="Markup earned so far, pro rata to what was paid."
    )
    profit_deferred = serializers.DecimalField(
        **MONEY, help_text="Markup not yet earned (0 before acceptance)."
    )
    rebate_amount = serializers.DecimalField(
        **MONEY, help_text="Discretionary rebates (ibra') granted; lowers what remains."
    )
    charity_pledge_due = serializers.DecimalField(
        **MONEY, help_text="Due now under the late-payment charity undertaking."
    )

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
            "estimated_cost",
            "supplier_name",
            "invoice_reference",
            "possession_date",
            "offer_valid_until",
            "late_charity_percent",
            "profit_recognized",
            "profit_deferred",
            "rebate_amount",
            "charity_pledge_due",
        ]


class MurabahaRequestIn(InputSerializer):
    asset_description = serializers.CharField(max_length=ASSET_MAX_LENGTH)
    cost_price = MoneyField(max_value=MURABAHA_MAX_PRICE)
    installments_count = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS)
    down_payment = MoneyField(min_value=0, required=False, default="0.00")


class MurabahaAcquireIn(InputSerializer):
    supplier_name = serializers.CharField(
        max_length=SUPPLIER_MAX_LENGTH, help_text="A third party, never the customer."
    )
    supplier_email = serializers.EmailField(required=False, allow_blank=True, default="")
    actual_cost = MoneyField(
        max_value=MURABAHA_MAX_PRICE, help_text="The invoice's cost; becomes `cost_price`."
    )
    invoice_reference = serializers.CharField(max_length=INVOICE_MAX_LENGTH)
    possession_date = serializers.DateField(help_text="Today or earlier.")


class MurabahaOfferIn(InputSerializer):
    markup_amount = MoneyField(min_value=0, max_value=MURABAHA_MAX_PRICE)
    valid_until = serializers.DateField(
        required=False, help_text="The offer's last day (default: 7 days from today)."
    )
    late_charity_percent = MoneyField(
        max_digits=5,
        min_value=0,
        max_value=LATE_CHARITY_MAX_PERCENT,
        required=False,
        help_text="Optional late-payment charity undertaking (percent of an overdue "
        "installment, 0 to 10); paid to the charity fund, never to income.",
    )


class MurabahaRebateIn(InputSerializer):
    amount = MoneyField(help_text="At most the contract's deferred profit.")


class MurabahaRescheduleIn(InputSerializer):
    installments_count = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS)


class LoanRescheduleIn(InputSerializer):
    repayment_months = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS)


class MurabahaPaymentIn(InputSerializer):
    amount = MoneyField()
    source = PaymentSourceField(
        help_text="`external` (cash received by staff) is for staff only.",
    )


class MurabahaCharityPaymentIn(InputSerializer):
    amount = MoneyField(help_text="At most `charity_pledge_due`.")
    source = PaymentSourceField(
        help_text="`external` (cash received by staff) is for staff only.",
    )
