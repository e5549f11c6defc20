"""Shapes of the reports API: the query parameters in, the reports out."""

from rest_framework import serializers

from config.api.serializers import InputSerializer
from loans.models import Loan

MONEY = {"max_digits": 18, "decimal_places": 2}


class TrialBalanceIn(InputSerializer):
    as_of = serializers.DateField(required=False, help_text="YYYY-MM-DD; today when left out.")


class JournalIn(InputSerializer):
    # `from` is a Python keyword: the field is named in __init__ below.
    to = serializers.DateField(required=False, help_text="YYYY-MM-DD; today when left out.")
    format = serializers.ChoiceField(choices=["csv", "xlsx"], required=False, default="csv")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = serializers.DateField(
            required=False, help_text="YYYY-MM-DD; the first of this month when left out."
        )

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": ["Must be on or after `from`."]})
        return attrs


class TrialBalanceLineOut(serializers.Serializer):
    kind = serializers.CharField(help_text="The ledger account kind (wallets add up to one line).")
    name = serializers.CharField()
    balance = serializers.DecimalField(**MONEY)


class TrialBalanceOut(serializers.Serializer):
    as_of = serializers.DateField()
    accounts = TrialBalanceLineOut(many=True)
    total = serializers.DecimalField(**MONEY, help_text='Always "0.00" in a sound ledger.')


class PortfolioStatusOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=Loan.Status.choices)
    count = serializers.IntegerField()
    principal = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)


class PortfolioOut(serializers.Serializer):
    as_of = serializers.DateField()
    outstanding = serializers.DecimalField(**MONEY, help_text="Still owed on active loans.")
    par30 = serializers.DecimalField(
        **MONEY, help_text="Outstanding of active loans with an installment over 30 days late."
    )
    par90 = serializers.DecimalField(
        **MONEY, help_text="Outstanding of active loans with an installment over 90 days late."
    )
    defaulted = serializers.DecimalField(**MONEY, help_text="Still owed on defaulted loans.")
    write_offs = serializers.DecimalField(**MONEY, help_text="Written off at default.")
    recoveries = serializers.DecimalField(**MONEY, help_text="Repaid after a write-off.")
    by_status = PortfolioStatusOut(many=True)
