"""The staff API's input and output serializers.

Output serializers are what an endpoint answers with; input serializers check
the shape of a request body before a service checks its rules. They live apart
from the handlers so the OpenAPI documentation (api_docs.py) can name them."""

from rest_framework import serializers

from accounts.models import MEMO_MAX_LENGTH
from config.api.fields import MoneyField
from config.api.serializers import InputSerializer
from staff.models import REASON_MAX_LENGTH, Approval, AuditEvent
from staff.roles import ROLE_NAMES


class PersonOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ApprovalOut(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    requested_by = PersonOut()
    decided_by = PersonOut(allow_null=True)

    class Meta:
        model = Approval
        fields = [
            "id",
            "kind",
            "status",
            "amount",
            "currency",
            "subject_type",
            "subject_id",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "reason",
        ]


class ApprovalEnvelopeOut(serializers.Serializer):
    approval = ApprovalOut()


class RejectIn(InputSerializer):
    reason = serializers.CharField(max_length=MEMO_MAX_LENGTH)


class RoleOut(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())


class UserRolesIn(InputSerializer):
    roles = serializers.ListField(
        child=serializers.CharField(max_length=150),
        max_length=len(ROLE_NAMES),
        allow_empty=True,
        help_text=f"The complete set of roles, from: {', '.join(ROLE_NAMES)}. [] removes staff.",
    )


class UserRolesOut(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    name = serializers.CharField()
    is_staff = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())


class WalletAdjustmentIn(InputSerializer):
    user_id = serializers.UUIDField()
    amount = MoneyField(
        min_value=None, help_text="Signed, not zero: positive credits the wallet, negative debits."
    )
    reason = serializers.CharField(max_length=MEMO_MAX_LENGTH)


class MfaResetIn(InputSerializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text="How the loss of the device was confirmed."
    )


class WalletAdjustmentOut(serializers.Serializer):
    """The posted adjustment, when wallet_adjustment is not in FOUR_EYES."""

    transaction_id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    reason = serializers.CharField()


class AuditEventOut(serializers.ModelSerializer):
    actor_id = serializers.UUIDField(allow_null=True)
    actor_email = serializers.EmailField(source="actor.email", allow_null=True, default=None)
    changes = serializers.JSONField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor_id",
            "actor_email",
            "action",
            "subject_type",
            "subject_id",
            "request_id",
            "changes",
            "reason",
        ]
