"""Four-eyes approvals: request, approve, reject."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts import money
from accounts.models import User
from config.errors import DomainError, NotAllowed, NotFound
from staff.approvals import kind_get
from staff.errors import ApprovalNotPending, ConflictOfInterest, FourEyesRequired
from staff.models import REASON_MAX_LENGTH, Approval
from staff.permissions import user_can
from staff.services.audit import audit_record, subject_label


@dataclass(frozen=True)
class ApprovalOutcome:
    """What asking for an action gave: a pending approval (four-eyes), or the
    executor's result when the kind needs no second person."""

    approval: Approval | None
    result: Any = None

    @property
    def pending(self) -> bool:
        return self.approval is not None


def four_eyes_applies(kind: str) -> bool:
    return kind in settings.FOUR_EYES


def _clean_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: ["Say why."]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({field: [f"Keep it to {REASON_MAX_LENGTH} characters."]})
    return reason


def _owners(approval: Approval) -> set[str]:
    return {str(pk) for pk in kind_get(approval.kind).subject_of(approval) if pk is not None}


def _facts(approval: Approval) -> dict[str, Any]:
    return {
        "approval_id": approval.pk,
        "kind": approval.kind,
        "amount": approval.amount,
        "currency": approval.currency,
        "params": approval.params,
    }


def approval_request(
    *,
    kind: str,
    requested_by: User,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: Any = "",
    amount: Decimal | None = None,
    params: dict | None = None,
    reason: str,
    own_request: bool = False,
) -> ApprovalOutcome:
    """Ask for an action of `kind` (registered in staff.approvals).

    A kind listed in settings.FOUR_EYES is stored as a pending approval and
    happens when someone else approves it; any other kind runs its executor
    now, in this transaction, and the outcome carries its result. Either way
    the requester must not be an owner of the subject (conflict_of_interest),
    and the request is in the audit trail. The caller checks the maker's own
    permission (e.g. `staff.loan_disburse`) before asking.

    `own_request` is for a person asking about their own thing as themselves,
    not as staff (withdrawing their own wallet, an organizer paying out their
    campaign): the owner may ask, and still never approves or rejects it."""
    registered = kind_get(kind)
    reason = _clean_reason(reason)
    if subject is not None:
        subject_type = subject_type or subject_label(subject)
        subject_id = subject_id or subject.pk
    approval = Approval(
        kind=kind,
        amount=money.quantize(amount) if amount is not None else None,
        currency=money.currency() if amount is not None else "",
        subject_type=subject_type,
        subject_id=str(subject_id),
        params=params or {},
        requested_by=requested_by,
        reason=reason,
    )
    if not own_request and str(requested_by.pk) in _owners(approval):
        raise ConflictOfInterest()

    with transaction.atomic():
        if not four_eyes_applies(kind):
            result = registered.execute(approval, by=requested_by)
            audit_record(
                actor=requested_by,
                action=f"{kind}.executed",
                subject_type=approval.subject_type,
                subject_id=approval.subject_id,
                changes={**_facts(approval), "approval_id": None, "four_eyes": False},
                reason=reason,
            )
            return ApprovalOutcome(approval=None, result=result)
        approval.save(force_insert=True)
        audit_record(
            actor=requested_by,
            action="approval.requested",
            subject_type=approval.subject_type,
            subject_id=approval.subject_id,
            changes=_facts(approval),
            reason=reason,
        )
    return ApprovalOutcome(approval=approval)


def _locked(approval: Approval) -> Approval:
    """The approval read again with its row locked: its state as of now, not as loaded."""
    locked = (
        Approval.objects.select_for_update(of=("self",))
        .select_related("requested_by")
        .filter(pk=approval.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    return locked


def approval_approve(*, approval: Approval, by: User) -> Approval:
    """Approve a pending request and run it, once.

    `approval` is as the caller loaded it (approval_get_for); its row is read
    again under lock. One transaction: the approval row is locked first, so of many concurrent
    approvals one executes and the rest find it decided (400
    approval_not_pending). The requester cannot approve (403
    four_eyes_required), the approver needs the kind's checker permission (403
    permission_denied) and must not own the subject (403 conflict_of_interest).
    The executor runs in a savepoint: when a rule of the action fails now
    (insufficient_funds, invalid_transition...), that error is raised, the
    approval stays pending, and only the refused attempt is in the trail."""
    refusal: Exception | None = None
    with transaction.atomic():
        approval = _locked(approval)
        if not approval.is_pending:
            raise ApprovalNotPending()
        if approval.requested_by_id == by.pk:
            raise FourEyesRequired()
        registered = kind_get(approval.kind)
        if not user_can(by, registered.checker_perm):
            raise NotAllowed()
        if str(by.pk) in _owners(approval):
            raise ConflictOfInterest()
        try:
            with transaction.atomic():
                registered.execute(approval, by=by)
        except (DomainError, ValidationError) as exc:
            refusal = exc
            audit_record(
                actor=by,
                action="approval.execution_refused",
                subject_type=approval.subject_type,
                subject_id=approval.subject_id,
                changes={
                    **_facts(approval),
                    "error": getattr(exc, "code", "validation_error"),
                    "message": getattr(exc, "message", "; ".join(getattr(exc, "messages", []))),
                },
            )
        else:
            approval.status = Approval.Status.EXECUTED
            approval.decided_by = by
            approval.decided_at = timezone.now()
            approval.save(update_fields=["status", "decided_by", "decided_at"])
            audit_record(
                actor=by,
                action="approval.executed",
                subject_type=approval.subject_type,
                subject_id=approval.subject_id,
                changes={
                    **_facts(approval),
                    "status": ["pending", "executed"],
                    "requested_by": approval.requested_by_id,
                },
                reason=approval.reason,
            )
    if refusal is not None:
        raise refusal
    return approval


def approval_reject(*, approval: Approval, by: User, reason: str) -> Approval:
    """Turn a pending request down (a checker) or withdraw it (the requester).
    Nothing of the action happens; the reason is kept and audited."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        approval = _locked(approval)
        if not approval.is_pending:
            raise ApprovalNotPending()
        withdrawing = approval.requested_by_id == by.pk
        if not withdrawing:
            if not user_can(by, kind_get(approval.kind).checker_perm):
                raise NotAllowed()
            if str(by.pk) in _owners(approval):
                raise ConflictOfInterest()
        on_reject = kind_get(approval.kind).on_reject
        if on_reject is not None:
            on_reject(approval, by=by)
        approval.status = Approval.Status.REJECTED
        approval.decided_by = by
        approval.decided_at = timezone.now()
        approval.decision_reason = reason
        approval.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_record(
            actor=by,
            action="approval.withdrawn" if withdrawing else "approval.rejected",
            subject_type=approval.subject_type,
            subject_id=approval.subject_id,
            changes={**_facts(approval), "status": ["pending", "rejected"]},
            reason=reason,
        )
    return approval
