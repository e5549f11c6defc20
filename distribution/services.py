"""Zakat distribution: every write. Cases, decisions, disbursements.

Rules (Sharia sources in README's Sharia section):

* Zakat goes only to the eight categories of Qur'an 9:60; a case is approved
  under exactly one of them, with an approved amount.
* Money leaves a zakat fund (zakat, zakat al-fitr, zakat given to a campaign)
  only as a disbursement to an approved case, never beyond approved - disbursed
  (400 exceeds_approved_amount), never beyond what the fund holds (402).
  accounts' ledger_post refuses any other outflow from these funds.
* The collectors' share (`amilin`) in a Hijri year is capped at ZAKAT_AMIL_SHARE
  percent (default 12.5, after AAOIFI Sharia Standard No. 35) of the zakat
  collected in that Hijri year; exactly at the cap is allowed.
* Four-eyes: an officer asks (kind `zakat_disbursement`), a second person holding
  the checker permission approves, and the executor re-checks every rule under
  the case's and the funds' row locks before posting.
* Nobody acts as staff on their own case (403 conflict_of_interest).

Lock order: the case row, then the ledger accounts in primary-key order (the
fund and the destination together), then ledger_post (same accounts, same
order), so concurrent disbursements queue instead of deadlocking or overpaying.
"""

from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.models import LedgerAccount, LedgerTransaction, User
from accounts.services import (
    InsufficientFunds,
    Leg,
    campaign_zakat_account,
    external_account,
    fitr_fund_account,
    ledger_post,
    wallet_get_or_create,
    zakat_fund_account,
)
from config.errors import ConflictOfInterest, DomainError, InvalidTransition, NotAllowed, NotFound
from config.taskqueue import enqueue_with_transaction
from distribution import ageing, selectors
from distribution.documents import MAX_DOCUMENTS, check_document
from distribution.models import (
    HOUSEHOLD_MAX,
    NAME_MAX_LENGTH,
    NEED_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REFERENCE_MAX_LENGTH,
    AsnafCategory,
    ZakatCase,
    ZakatCaseDocument,
    ZakatDisbursement,
)
from staff.approvals import register_kind
from staff.models import Approval
from staff.permissions import user_can
from staff.roles import checker_perm
from staff.services.approvals import ApprovalOutcome, approval_request
from staff.services.audit import audit_record

DISBURSEMENT = "zakat_disbursement"
DECIDE_PERM = "staff.zakat_case_decide"
DISBURSE_PERM = "staff.zakat_disbursement_request"
MAX_CASE_AMOUNT = Decimal("1000000.00")


class ExceedsApprovedAmount(DomainError):
    code = "exceeds_approved_amount"
    default_message = _("The amount is more than what remains of the approved amount.")
    example_extra: ClassVar[dict] = {"remaining_amount": "300.00"}


class AmilShareExceeded(DomainError):
    code = "amil_share_exceeded"
    default_message = _(
        "This would take the collectors' (amilin) share of this Hijri year's zakat "
        "beyond ZAKAT_AMIL_SHARE."
    )
    example_extra: ClassVar[dict] = {"cap": "1250.00", "already_paid": "1200.00"}


# --- helpers ---------------------------------------------------------------------------------


def amil_share_percent() -> Decimal:
    return Decimal(str(settings.ZAKAT_AMIL_SHARE))


def _require(by: User, perm: str, action: str) -> None:
    if not user_can(by, perm):
        raise NotAllowed(
            _("Only staff holding %(perm)s may %(action)s.") % {"perm": perm, "action": action}
        )


def _not_own(by: User, case: ZakatCase) -> None:
    if case.applicant_id is not None and case.applicant_id == by.pk:
        raise ConflictOfInterest(_("You cannot act as staff on your own zakat case."))


def _lock(case: ZakatCase) -> ZakatCase:
    return ZakatCase.objects.select_for_update().get(pk=case.pk)


def _text(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: ["This field may not be blank."]})
    if len(text) > max_length:
        raise ValidationError({field: [f"Keep it to {max_length} characters."]})
    return text


def _audit(by: User, action: str, case: ZakatCase, before: str, *, reason: str = "", **facts):
    audit_record(
        actor=by,
        action=action,
        subject=case,
        changes={"status": [before, case.status], **facts},
        reason=reason,
    )


# --- Cases --------------------------------------------------------------------------------


def zakat_case_submit(
    *,
    by: User,
    household_size: int,
    monthly_income: Any,
    need_description: str,
    amount_requested: Any,
    beneficiary_name: str = "",
    documents: list | tuple = (),
    for_someone_else: bool | None = None,
) -> ZakatCase:
    """A person applies for zakat (status `submitted`).

    A zakat officer (staff.zakat_case_decide) who names a beneficiary enters the case
    for someone without an account: the applicant is then empty and the name
    required. Everyone else applies for themselves; their name is the default
    beneficiary name. Documents: PDF, JPEG or PNG by content, 5 MB each."""
    if for_someone_else is None:
        for_someone_else = bool(str(beneficiary_name or "").strip()) and user_can(by, DECIDE_PERM)
    if for_someone_else and not user_can(by, DECIDE_PERM):
        raise NotAllowed(_("Only zakat officers may enter a case for someone else."))
    if isinstance(household_size, bool) or not isinstance(household_size, int):
        raise ValidationError({"household_size": ["A whole number from 1 to 50."]})
    if not 1 <= household_size <= HOUSEHOLD_MAX:
        raise ValidationError({"household_size": ["A whole number from 1 to 50."]})
    income = money.parse_cents(
        monthly_income, field="monthly_income", allow_zero=True, maximum=MAX_CASE_AMOUNT
    )
    requested = money.parse_cents(
        amount_requested, field="amount_requested", maximum=MAX_CASE_AMOUNT
    )
    need = _text(need_description, field="need_description", max_length=NEED_MAX_LENGTH)
    name = _text(
        beneficiary_name or ("" if for_someone_else else by.name or by.email),
        field="beneficiary_name",
        max_length=NAME_MAX_LENGTH,
    )
    if len(documents) > MAX_DOCUMENTS:
        raise ValidationError({"documents": [f"At most {MAX_DOCUMENTS} documents."]})
    checked = [check_document(upload) for upload in documents]
    with transaction.atomic():
        case = ZakatCase.objects.create(
            applicant=None if for_someone_else else by,
            entered_by=by if for_someone_else else None,
            beneficiary_name=name,
            household_size=household_size,
            monthly_income=income,
            need_description=need,
            amount_requested=requested,
        )
        for doc in checked:
            stored = ZakatCaseDocument(
                case=case,
                original_name=doc.name,
                content_type=doc.content_type,
                size=doc.size,
                uploaded_by=by,
            )
            # The stored name is random; the person's file name is kept apart.
            extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
            stored.file.save(f"{stored.pk}.{extension[doc.content_type]}", doc.upload, save=True)
        if for_someone_else:
            audit_record(
                actor=by,
                action="zakat_case.entered",
                subject=case,
                changes={"amount_requested": requested, "documents": len(checked)},
            )
    return case


def zakat_case_approve(
    *, case: ZakatCase, by: User, asnaf_category: str, approved_amount: Any, note: str = ""
) -> ZakatCase:
    """submitted → approved under one of the eight categories, with an approved amount."""
    _require(by, DECIDE_PERM, "approve zakat cases")
    if asnaf_category not in AsnafCategory.values:
        raise ValidationError({"asnaf_category": [f"One of: {', '.join(AsnafCategory.values)}."]})
    amount = money.parse_cents(approved_amount, field="approved_amount", maximum=MAX_CASE_AMOUNT)
    note = _text(note, field="note", max_length=REASON_MAX_LENGTH, required=False)
    with transaction.atomic():
        case = _lock(case)
        _not_own(by, case)
        if case.status != ZakatCase.Status.SUBMITTED:
            raise InvalidTransition(
                _("Only a submitted case can be approved (it is %(status)s).")
                % {"status": case.status}
            )
        before = case.status
        case.status = ZakatCase.Status.APPROVED
        case.asnaf_category = asnaf_category
        case.approved_amount = amount
        case.decision_note = note
        case.decided_by = by
        case.decided_at = timezone.now()
        case.save()
        _audit(
            by,
            "zakat_case.approved",
            case,
            before,
            reason=note,
            asnaf_category=asnaf_category,
            approved_amount=amount,
        )
    return case


def zakat_case_reject(*, case: ZakatCase, by: User, reason: str) -> ZakatCase:
    """submitted → rejected, with a reason the applicant sees."""
    _require(by, DECIDE_PERM, "reject zakat cases")
    reason = _text(reason, field="reason", max_length=REASON_MAX_LENGTH)
    with transaction.atomic():
        case = _lock(case)
        _not_own(by, case)
        if case.status != ZakatCase.Status.SUBMITTED:
            raise InvalidTransition(
                _("Only a submitted case can be rejected (it is %(status)s).")
                % {"status": case.status}
            )
        before = case.status
        case.status = ZakatCase.Status.REJECTED
        case.rejection_reason = reason
        case.decided_by = by
        case.decided_at = timezone.now()
        case.save()
        _audit(by, "zakat_case.rejected", case, before, reason=reason)
    return case


def zakat_case_close(*, case: ZakatCase, by: User, reason: str = "") -> ZakatCase:
    """approved → closed: an officer closes a case that will not be paid in full
    (the rest of the approved amount stays in the fund for others)."""
    _require(by, DECIDE_PERM, "close zakat cases")
    reason = _text(reason, field="reason", max_length=REASON_MAX_LENGTH, required=False)
    with transaction.atomic():
        case = _lock(case)
        _not_own(by, case)
        if case.status != ZakatCase.Status.APPROVED:
            raise InvalidTransition(
                _("Only an approved case can be closed (it is %(status)s).")
                % {"status": case.status}
            )
        before = case.status
        case.status = ZakatCase.Status.CLOSED
        case.save()
        _audit(by, "zakat_case.closed", case, before, reason=reason)
    return case


# --- Disbursements ---------------------------------------------------------------------------


def _source_account(source: str, campaign_id: UUID | str | None, *, by: User) -> LedgerAccount:
    """The zakat fund a disbursement is paid from: never any other kind of account."""
    if source == ZakatDisbursement.Source.ZAKAT:
        return zakat_fund_account()
    if source == ZakatDisbursement.Source.FITR:
        return fitr_fund_account()
    if source == ZakatDisbursement.Source.CAMPAIGN:
        if not campaign_id:
            raise ValidationError({"campaign_id": ["Name the campaign whose zakat pays this."]})
        from campaigns.selectors import campaign_get_for

        try:
            campaign = campaign_get_for(user=by, pk=campaign_id)
        except (NotFound, NotAllowed, ValueError, ValidationError):
            raise NotFound(_("No such campaign.")) from None
        return campaign_zakat_account(campaign.pk, campaign.name)
    raise ValidationError({"source": [f"One of: {', '.join(ZakatDisbursement.Source.values)}."]})


def _check_disbursement(
    case: ZakatCase, *, amount: Decimal, method: str, fund: LedgerAccount, hijri_year: int
) -> None:
    """Every rule of a disbursement, as of now (called when asking and when paying)."""
    if case.status != ZakatCase.Status.APPROVED:
        raise InvalidTransition(
            _("Only an approved case can be paid (it is %(status)s).") % {"status": case.status}
        )
    remaining = case.approved_amount - case.disbursed_amount
    if amount > remaining:
        raise ExceedsApprovedAmount(remaining_amount=str(money.quantize(remaining)))
    if method == ZakatDisbursement.Method.WALLET and case.applicant_id is None:
        raise ValidationError({"method": ["This case has no account to pay into; use `external`."]})
    if case.asnaf_category == AsnafCategory.AMILIN:
        collected = selectors.zakat_collected_in_year(hijri_year=hijri_year)
        cap = money.quantize(collected * amil_share_percent() / 100)
        paid = selectors.amilin_paid_in_year(hijri_year=hijri_year)
        if paid + amount > cap:
            raise AmilShareExceeded(cap=str(cap), already_paid=str(paid))
    if fund.balance < amount:
        raise InsufficientFunds(
            _("The zakat fund holds less than this disbursement."),
            available_amount=str(money.quantize(fund.balance)),
            required_amount=str(amount),
        )


def _clean_disbursement(
    *, amount: Any, method: str, source: str, reference: str
) -> tuple[Decimal, str]:
    amount = money.parse_cents(amount, field="amount", maximum=MAX_CASE_AMOUNT)
    if method not in ZakatDisbursement.Method.values:
        raise ValidationError({"method": ["One of: wallet, external."]})
    if source not in ZakatDisbursement.Source.values:
        raise ValidationError({"source": ["One of: zakat, fitr, campaign."]})
    reference = _text(reference, field="reference", max_length=REFERENCE_MAX_LENGTH, required=False)
    return amount, reference


def zakat_disbursement_request(
    *,
    case: ZakatCase,
    by: User,
    amount: Any,
    method: str,
    source: str = ZakatDisbursement.Source.ZAKAT,
    campaign_id: UUID | str | None = None,
    reference: str = "",
) -> ApprovalOutcome:
    """Ask to pay an approved case (kind `zakat_disbursement`). Checked now and again
    when a second person approves: the case approved, the amount within approved -
    disbursed, the applicant's wallet only when there is an applicant, the amilin
    cap, the fund's balance. Not in FOUR_EYES: paid now, `outcome.result` is the case."""
    _require(by, DISBURSE_PERM, "request zakat disbursements")
    amount, reference = _clean_disbursement(
        amount=amount, method=method, source=source, reference=reference
    )
    with transaction.atomic():
        case = _lock(case)
        _not_own(by, case)
        fund = _source_account(source, campaign_id, by=by)
        year = ageing.hijri_year_of(timezone.localdate())
        _check_disbursement(case, amount=amount, method=method, fund=fund, hijri_year=year)
        if source != ZakatDisbursement.Source.CAMPAIGN:
            campaign_id = None
        return approval_request(
            kind=DISBURSEMENT,
            requested_by=by,
            subject=case,
            amount=amount,
            params={
                "method": method,
                "source": source,
                "campaign_id": str(campaign_id) if campaign_id else None,
                "reference": reference,
            },
            reason=f"Zakat ({case.asnaf_category}) of {amount} to {case.beneficiary_name}"
            f" by {method}"[:REASON_MAX_LENGTH],
        )


def zakat_disbursement_execute(
    *,
    case: ZakatCase,
    by: User,
    amount: Any,
    method: str,
    source: str = ZakatDisbursement.Source.ZAKAT,
    campaign_id: UUID | str | None = None,
    reference: str = "",
    approved_by: User | None = None,
) -> ZakatDisbursement:
    """Pay a case from a zakat fund, once every rule holds under lock. `by` is the
    officer who asked (holding staff.zakat_disbursement_request); `approved_by` the
    second person, when there was one. Fully paid → `disbursed`; the applicant is
    e-mailed after the commit."""
    from distribution.tasks import send_disbursement_notice

    _require(by, DISBURSE_PERM, "request zakat disbursements")
    amount, reference = _clean_disbursement(
        amount=amount, method=method, source=source, reference=reference
    )
    with transaction.atomic():
        case = _lock(case)
        _not_own(by, case)
        if approved_by is not None:
            _not_own(approved_by, case)
        fund = _source_account(source, campaign_id, by=by)
        if method == ZakatDisbursement.Method.WALLET and case.applicant_id is not None:
            destination = wallet_get_or_create(user=case.applicant)
        else:
            destination = external_account()
        # The fund and the destination locked together, in the ledger's order, before
        # the checks that read them (the amilin cap reads this year's collections).
        to_lock = [fund.pk, destination.pk]
        if case.asnaf_category == AsnafCategory.AMILIN:
            # The cap spans every fund: amilin payments queue on the main fund's row.
            to_lock.append(zakat_fund_account().pk)
        locked = {
            account.pk: account
            for account in LedgerAccount.objects.select_for_update()
            .filter(pk__in=to_lock)
            .order_by("pk")
        }
        fund = locked[fund.pk]
        year = ageing.hijri_year_of(timezone.localdate())
        _check_disbursement(case, amount=amount, method=method, fund=fund, hijri_year=year)
        where = "wallet" if method == ZakatDisbursement.Method.WALLET else "paid outside"
        txn = ledger_post(
            kind=LedgerTransaction.Kind.ZAKAT_DISBURSEMENT,
            legs=[Leg(fund, -amount), Leg(locked[destination.pk], amount)],
            reference=f"Zakat ({case.asnaf_category}) to {case.beneficiary_name}, {where}"
            + (f", ref {reference}" if reference else ""),
            created_by=by,
        )
        disbursement = ZakatDisbursement.objects.create(
            case=case,
            amount=amount,
            category=case.asnaf_category,
            method=method,
            source=source,
            campaign_id=campaign_id if source == ZakatDisbursement.Source.CAMPAIGN else None,
            external_reference=reference,
            transaction=txn,
            hijri_year=year,
            requested_by=by,
            approved_by=approved_by,
            created_at=txn.created_at,
        )
        before = case.status
        case.disbursed_amount += amount
        if case.disbursed_amount == case.approved_amount:
            case.status = ZakatCase.Status.DISBURSED
        case.save(update_fields=["disbursed_amount", "status", "updated_at"])
        _audit(
            by,
            "zakat_case.disbursed",
            case,
            before,
            amount=amount,
            method=method,
            source=source,
            disbursement_id=disbursement.pk,
            **({"approved_by": approved_by.pk} if approved_by is not None else {}),
        )
        if case.applicant_id is not None:
            enqueue_with_transaction(send_disbursement_notice, str(disbursement.pk))
    return disbursement


# --- Four-eyes ---------------------------------------------------------------------------------


def _execute(approval: Approval, *, by: User) -> ZakatCase:
    params = approval.params or {}
    disbursement = zakat_disbursement_execute(
        case=ZakatCase.objects.get(pk=approval.subject_id),
        by=approval.requested_by,
        approved_by=None if by.pk == approval.requested_by_id else by,
        amount=approval.amount,
        method=params.get("method", ""),
        source=params.get("source", ZakatDisbursement.Source.ZAKAT),
        campaign_id=params.get("campaign_id"),
        reference=params.get("reference", ""),
    )
    return disbursement.case


def _applicant(approval: Approval) -> list:
    return list(
        ZakatCase.objects.filter(pk=approval.subject_id).values_list("applicant_id", flat=True)
    )


def register_approval_kinds() -> None:
    """Plug zakat disbursements into four-eyes (DistributionConfig.ready())."""
    register_kind(
        DISBURSEMENT,
        execute=_execute,
        checker_perm=checker_perm(DISBURSEMENT),
        subject_of=_applicant,
    )


# --- Overdue report ---------------------------------------------------------------------------


def zakat_overdue_report_send(*, today=None) -> int:
    """E-mail every active zakat officer the fund's overdue figures (the daily task).
    Returns how many were mailed; nobody when nothing is overdue."""
    from django.contrib.auth.models import Group
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    figures = selectors.zakat_fund_figures(today=today)
    if figures.overdue_amount <= 0:
        return 0
    group = Group.objects.filter(name="zakat_officer").first()
    if group is None:
        return 0
    emails = list(group.user_set.filter(is_active=True).values_list("email", flat=True))
    if not emails:
        return 0
    send_mail(
        subject=f"Zakat undistributed for over a lunar year: {figures.overdue_amount}",
        message=render_to_string(
            "distribution/email/overdue.txt",
            {"figures": figures, "currency": money.currency()},
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=emails,
    )
    return len(emails)
