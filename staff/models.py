"""Staff: approvals (maker-checker) and the append-only audit trail."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from staff.roles import APPROVAL_KINDS

REASON_MAX_LENGTH = 1000
MONEY = {"max_digits": 18, "decimal_places": 2}


class StaffAction(models.Model):
    """No table: the anchor of the custom `staff.*` permissions (staff/roles.py),
    so they read "staff | staff action | ..." in the admin's group editor."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = "staff action"

    def __str__(self) -> str:
        return "staff action"


class AuditEventRefused(Exception):
    """Audit events are written once and never changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditEventRefused("Audit events are never changed.")

    def delete(self):
        raise AuditEventRefused("Audit events are never deleted.")

    def newest_first(self) -> "AuditEventQuerySet":
        return self.order_by("-at", "-id")


class AuditEvent(models.Model):
    """Who did what to which thing, when, from where and why.

    Written by `staff.services.audit_record` in the same transaction as the write
    it describes. Append-only: the model, its queryset and the admin refuse to
    change or delete one, and on PostgreSQL (SQLite: UPDATE only) a trigger
    refuses it in the database itself (migration 0002)."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the system itself (a scheduled task, a provider's webhook).",
    )
    action = models.CharField(max_length=64, help_text="e.g. approval.executed, roles.set")
    subject_type = models.CharField(max_length=64, blank=True, help_text="e.g. loans.loan")
    subject_id = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    changes = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text='Changed fields: {"field": [before, after]}, or facts of the action.',
    )
    reason = models.TextField(blank=True, max_length=REASON_MAX_LENGTH)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        # Only services write events and nobody changes one: "view" is the only
        # model permission that means anything.
        default_permissions = ("view",)
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="staff_audit_newest"),
            models.Index(fields=["actor", "-at"], name="staff_audit_actor"),
            models.Index(fields=["action", "-at"], name="staff_audit_action"),
            models.Index(fields=["subject_id", "-at"], name="staff_audit_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(action=""), name="staff_auditevent_action_not_empty"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("reason"), REASON_MAX_LENGTH),
                name="staff_auditevent_reason_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.subject_type} {self.subject_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditEventRefused("Audit events are never changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEventRefused("Audit events are never deleted.")


class Approval(models.Model):
    """A staff action waiting for a second person (maker-checker).

    The request is stored with everything needed to run it later (kind,
    subject, amount, params); approving runs the kind's registered executor
    (staff/approvals.py) in the approver's transaction, the row locked."""

    class Kind(models.TextChoices):
        WALLET_ADJUSTMENT = "wallet_adjustment", _("Wallet adjustment")
        LOAN_DISBURSEMENT = "loan_disbursement", _("Loan disbursement")
        MURABAHA_PURCHASE = "murabaha_purchase", _("Murabaha purchase")
        WRITE_OFF = "write_off", _("Write-off")
        REBATE = "rebate", _("Rebate")
        ZAKAT_DISBURSEMENT = "zakat_disbursement", _("Zakat disbursement")
        CAMPAIGN_PAYOUT = "campaign_payout", _("Campaign payout")
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        MFA_RESET = "mfa_reset", _("Second factor reset")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        EXECUTED = "executed", _("Executed")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals_requested"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approvals_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(max_length=REASON_MAX_LENGTH, help_text="Why it was requested.")
    decision_reason = models.TextField(
        blank=True, max_length=REASON_MAX_LENGTH, help_text="Why it was rejected or withdrawn."
    )

    class Meta:
        default_permissions = ("view",)  # written only through the services
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["-requested_at", "-id"], name="staff_approval_newest"),
            models.Index(fields=["status", "-requested_at"], name="staff_approval_status"),
            models.Index(fields=["subject_type", "subject_id"], name="staff_approval_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=list(APPROVAL_KINDS)), name="staff_approval_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "executed", "rejected"]),
                name="staff_approval_status_known",
            ),
            # A decision names who took it and when; a pending request has neither.
            models.CheckConstraint(
                condition=models.Q(
                    status="pending", decided_by__isnull=True, decided_at__isnull=True
                )
                | (
                    ~models.Q(status="pending")
                    & models.Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="staff_approval_decision_complete",
            ),
            # Four eyes: whoever asked never executes it (they may only withdraw it).
            models.CheckConstraint(
                condition=~models.Q(status="executed")
                | ~models.Q(decided_by=models.F("requested_by")),
                name="staff_approval_four_eyes",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | ~models.Q(amount=0),
                name="staff_approval_amount_not_zero",
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="staff_approval_reason_given"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("reason"), REASON_MAX_LENGTH),
                name="staff_approval_reason_length",
            ),
        ]

    def __str__(self) -> str:
        amount = f" {self.amount} {self.currency}" if self.amount is not None else ""
        return f"{self.get_kind_display()}{amount} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class StaffMember(User):
    """People, seen from role management: the admin's "Staff roles" screen."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "staff member"
        ordering = ["email"]
