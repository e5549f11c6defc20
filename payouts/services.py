"""Payouts: every write and rule of money leaving the platform.

The path of a payout's money, always through `accounts.services.ledger_post`:

    asked      wallet (or campaign fund)  → payouts_in_transit_fund   (kind withdrawal)
    paid       payouts_in_transit_fund    → outside world             (kind payout)
    failed,
    rejected   payouts_in_transit_fund    → back where it came from   (kind payout_return)

The wallet drops the moment a withdrawal is asked, so the same money can never
be withdrawn twice (the ledger locks the wallet and refuses overdrafts). A
payout leaves the in-transit account exactly once: every settlement locks the
payout row and acts only on one still in transit. The provider is called
outside any transaction (`payout_send`, a task queued when the payout commits).
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.models import LedgerAccount, LedgerTransaction, User
from accounts.services import (
    Leg,
    external_account,
    ledger_account,
    ledger_check_register,
    ledger_post,
    wallet_get_or_create,
)
from campaigns import selectors as campaign_selectors
from campaigns import services as campaign_services
from config.errors import DomainError, InvalidTransition, NotAllowed
from config.taskqueue import enqueue_with_transaction
from payouts import crypto, iban
from payouts.models import (
    DESCRIPTION_MAX_LENGTH,
    HOLDER_NAME_MAX_LENGTH,
    PAYEE_MAX_LENGTH,
    Payout,
    PayoutAccount,
    PayoutBatch,
)
from payouts.selectors import payout_can_request_for_campaign
from staff.approvals import register_kind
from staff.models import Approval
from staff.roles import checker_perm
from staff.services.approvals import ApprovalOutcome, approval_request
from staff.services.audit import audit_record

logger = logging.getLogger(__name__)

WITHDRAWAL = "withdrawal"
CAMPAIGN_PAYOUT = "campaign_payout"
IN_TRANSIT_KEY = "payouts_in_transit_fund"
AMOUNT_MAX = Decimal("1000000.00")


class PayoutNotInTransit(DomainError):
    code = "payout_not_in_transit"
    default_message = _("This payout has already been settled.")


class PayoutAccountDuplicate(DomainError):
    code = "validation_error"
    default_message = _("You have already saved this bank account.")


def in_transit_account() -> LedgerAccount:
    return ledger_account(
        LedgerAccount.Kind.PAYOUTS_IN_TRANSIT_FUND, IN_TRANSIT_KEY, "Payouts in transit"
    )


def payout_destination(payout: Payout) -> str:
    """The clear IBAN a gateway sends to ("" for a campaign payout without one).
    For the gateway only: never log, show or store what this returns."""
    if payout.payout_account_id is None:
        return ""
    return crypto.decrypt(payout.payout_account.iban_encrypted)


# --- Bank accounts ----------------------------------------------------------------------


def payout_account_create(*, owner: User, holder_name: str, iban_value: str) -> PayoutAccount:
    """Save a bank account: the IBAN checked (country, length, checksum), then kept
    only encrypted, with a keyed hash so the same person saves it once."""
    holder_name = (holder_name or "").strip()
    if not holder_name:
        raise ValidationError({"holder_name": ["Enter the account holder's name."]})
    if len(holder_name) > HOLDER_NAME_MAX_LENGTH:
        raise ValidationError(
            {"holder_name": [f"Keep the name to {HOLDER_NAME_MAX_LENGTH} characters."]}
        )
    number = iban.validate(iban_value)
    try:
        with transaction.atomic():
            account = PayoutAccount.objects.create(
                owner=owner,
                holder_name=holder_name,
                iban_encrypted=crypto.encrypt(number),
                iban_hash=crypto.keyed_hash(number),
                iban_country=number[:2],
                iban_last4=number[-4:],
            )
            audit_record(
                actor=owner,
                action="payout_account.created",
                subject=account,
                changes={"holder_name": holder_name, "iban": account.iban_masked},
            )
    except IntegrityError:
        raise ValidationError({"iban": ["You have already saved this bank account."]}) from None
    return account


def payout_account_delete(*, account: PayoutAccount, by: User) -> None:
    """Remove a saved account. One that payouts went to is kept, marked removed
    (those payouts still name it); any other is deleted outright."""
    if account.owner_id != by.pk:
        raise NotAllowed(_("This bank account is not yours."))
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().get(pk=account.pk)
        if account.deleted_at is not None:
            return
        audit_record(
            actor=by,
            action="payout_account.deleted",
            subject=account,
            changes={"iban": account.iban_masked},
        )
        if account.payouts.exists():
            account.deleted_at = timezone.now()
            account.save(update_fields=["deleted_at"])
        else:
            account.delete()


# --- Withdrawals ------------------------------------------------------------------------


def approval_limit() -> Decimal:
    return money.quantize(settings.PAYOUT_APPROVAL_LIMIT)


def _dispatch(payout: Payout) -> None:
    """Send the payout to the provider once this transaction commits."""
    from payouts import tasks

    enqueue_with_transaction(tasks.send_payout, str(payout.pk))


def withdrawal_create(*, user: User, amount: Any, payout_account: PayoutAccount) -> Payout:
    """Withdraw from one's own wallet to one's own saved bank account.

    The wallet drops at once into the in-transit account (402 when short). Up
    to PAYOUT_APPROVAL_LIMIT the payout goes to the provider when this commits
    (`processing`); above it finance approves first (`pending_approval`, an
    approval of kind `withdrawal` whose subject is the wallet owner, who
    therefore can never approve it), the money held in transit meanwhile."""
    amount = money.parse_cents(amount, field="amount", maximum=AMOUNT_MAX)
    if payout_account.owner_id != user.pk or payout_account.deleted_at is not None:
        raise NotAllowed(_("This bank account is not yours."))
    needs_approval = amount > approval_limit()
    with transaction.atomic():
        hold = ledger_post(
            kind=LedgerTransaction.Kind.WITHDRAWAL,
            legs=[Leg(wallet_get_or_create(user=user), -amount), Leg(in_transit_account(), amount)],
            reference=f"Withdrawal to {payout_account.iban_masked}",
            created_by=user,
        )
        payout = Payout.objects.create(
            source=Payout.Source.WALLET,
            owner=user,
            requested_by=user,
            payout_account=payout_account,
            payee_name=payout_account.holder_name,
            amount=amount,
            status=Payout.Status.PENDING_APPROVAL if needs_approval else Payout.Status.PROCESSING,
            hold_transaction=hold,
        )
        audit_record(
            actor=user,
            action="withdrawal.requested",
            subject=payout,
            changes={
                "amount": amount,
                "status": payout.status,
                "payout_account": str(payout_account.pk),
                "iban": payout_account.iban_masked,
            },
        )
        if not needs_approval:
            _dispatch(payout)
            return payout
        outcome = approval_request(
            kind=WITHDRAWAL,
            requested_by=user,
            subject=payout,
            amount=amount,
            reason=f"Withdrawal of {amount} to {payout_account.iban_masked} (above the limit)",
            own_request=True,
        )
        if outcome.pending:
            payout.approval_id = outcome.approval.pk
            payout.save(update_fields=["approval_id"])
            return payout
        return outcome.result


def _execute_withdrawal(approval: Approval, *, by: User) -> Payout:
    """Finance approved (or the kind needs nobody): the held money goes to the provider."""
    payout = Payout.objects.select_for_update().get(pk=approval.subject_id)
    if payout.status != Payout.Status.PENDING_APPROVAL:
        raise InvalidTransition(
            _("This withdrawal is %(status)s, not pending approval.") % {"status": payout.status}
        )
    payout.status = Payout.Status.PROCESSING
    payout.save(update_fields=["status"])
    audit_record(
        actor=by,
        action="withdrawal.approved",
        subject=payout,
        changes={"status": ["pending_approval", "processing"], "amount": payout.amount},
    )
    _dispatch(payout)
    return payout


def _reject_withdrawal(approval: Approval, *, by: User) -> None:
    """Rejected or withdrawn before approval: the held money goes back to the wallet."""
    payout = Payout.objects.select_for_update().get(pk=approval.subject_id)
    if payout.status != Payout.Status.PENDING_APPROVAL:
        raise InvalidTransition(
            _("This withdrawal is %(status)s, not pending approval.") % {"status": payout.status}
        )
    _return(payout, status=Payout.Status.REJECTED, by=by, reason="rejected")


def _wallet_owner(approval: Approval) -> list[UUID]:
    return list(Payout.objects.filter(pk=approval.subject_id).values_list("owner_id", flat=True))


# --- Campaign payouts -------------------------------------------------------------------


def campaign_payout_request(
    *,
    campaign: Any,
    by: User,
    amount: Any,
    payee_name: str,
    description: str = "",
    payout_account: PayoutAccount | None = None,
) -> ApprovalOutcome:
    """The organizer, a campaign manager or finance asks to pay a named payee from
    the campaign's sadaqah fund (the `campaign_fund` account; zakat held for the
    campaign is never touched). Answered by an approval of kind
    `campaign_payout` that finance approves; on execution the fund pays out
    through the provider. More than the fund holds → 402, now and at approval."""
    if not payout_can_request_for_campaign(campaign=campaign, user=by):
        raise NotAllowed(
            _("Only the campaign's organizer, a campaign manager or finance may ask for a payout.")
        )
    amount = money.parse_cents(amount, field="amount", maximum=AMOUNT_MAX)
    payee_name = (payee_name or "").strip()
    description = (description or "").strip()
    if not payee_name:
        raise ValidationError({"payee_name": ["Name who is paid."]})
    if len(payee_name) > PAYEE_MAX_LENGTH:
        raise ValidationError({"payee_name": [f"Keep it to {PAYEE_MAX_LENGTH} characters."]})
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"description": [f"Keep it to {DESCRIPTION_MAX_LENGTH} characters."]})
    if payout_account is not None and (
        payout_account.owner_id != by.pk or payout_account.deleted_at is not None
    ):
        raise NotAllowed(_("This bank account is not yours."))
    held = campaign_selectors.campaign_fund_balance(campaign=campaign)
    if held < amount:
        from accounts.services import InsufficientFunds

        raise InsufficientFunds(
            _("The campaign's fund holds less than this payout."),
            available_amount=str(money.quantize(held)),
            required_amount=str(amount),
        )
    with transaction.atomic():
        return approval_request(
            kind=CAMPAIGN_PAYOUT,
            requested_by=by,
            subject=campaign,
            amount=amount,
            params={
                "payee_name": payee_name,
                "description": description,
                "payout_account_id": str(payout_account.pk) if payout_account else None,
            },
            reason=f"Pay {payee_name} from the fund of {campaign.name}"[:1000],
            own_request=campaign.organizer_id == by.pk,
        )


def _execute_campaign_payout(approval: Approval, *, by: User) -> Payout:
    campaign = campaign_selectors.campaign_get_for(
        user=approval.requested_by, pk=approval.subject_id
    )
    params = approval.params or {}
    account = None
    if params.get("payout_account_id"):
        account = PayoutAccount.objects.filter(pk=params["payout_account_id"]).first()
    amount = money.quantize(approval.amount)
    hold = ledger_post(
        kind=LedgerTransaction.Kind.WITHDRAWAL,
        # The fund's main account first, then the parts busy donation times spilled into.
        legs=[
            *campaign_services.campaign_fund_draw_legs(campaign=campaign, amount=amount),
            Leg(in_transit_account(), amount),
        ],
        reference=f"Campaign payout to {params.get('payee_name', '')}"[:200],
        created_by=by,
    )
    payout = Payout.objects.create(
        source=Payout.Source.CAMPAIGN,
        campaign=campaign,
        requested_by=approval.requested_by,
        payout_account=account,
        payee_name=params.get("payee_name", ""),
        description=params.get("description", ""),
        amount=amount,
        status=Payout.Status.PROCESSING,
        approval_id=approval.pk if approval.pk and approval.requested_by_id != by.pk else None,
        hold_transaction=hold,
    )
    audit_record(
        actor=by,
        action="campaign_payout.executed",
        subject=payout,
        changes={"campaign": str(campaign.pk), "amount": amount, "payee": payout.payee_name},
    )
    _dispatch(payout)
    return payout


def _campaign_organizer(approval: Approval) -> list[UUID]:
    try:
        campaign = campaign_selectors.campaign_get_for(
            user=approval.requested_by, pk=approval.subject_id
        )
    except DomainError:
        return []
    return [campaign.organizer_id]


# --- Sending and settling ---------------------------------------------------------------


def payout_send(*, payout_id: UUID | str) -> Payout | None:
    """Hand a processing payout to the provider, once.

    The payout is claimed (`sent_at`) in a transaction of its own before the
    provider is called, outside any transaction, so a retried task never sends
    it twice. A provider error leaves it in transit for the daily stuck check
    (the provider may have taken it); an answer of `paid` or `failed` settles it
    now, `pending` waits for the webhook."""
    from payouts.gateways import get_payout_gateway

    gateway = get_payout_gateway()
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update()
            .filter(pk=payout_id, status=Payout.Status.PROCESSING, sent_at__isnull=True)
            .first()
        )
        if payout is None:
            return None
        payout.sent_at = timezone.now()
        payout.gateway = gateway.name
        payout.save(update_fields=["sent_at", "gateway"])
    try:
        result = gateway.send(payout=payout)
    except Exception:
        logger.exception("Payout gateway %s failed to take payout %s", gateway.name, payout.pk)
        return payout
    Payout.objects.filter(pk=payout.pk).update(provider_reference=result.provider_reference)
    payout.provider_reference = result.provider_reference
    if result.status in ("paid", "failed"):
        try:
            payout = payout_settle(
                payout=payout, paid=result.status == "paid", failure_reason=result.failure_reason
            )
        except PayoutNotInTransit:  # a webhook was quicker
            payout.refresh_from_db()
    return payout


def _source_account(payout: Payout) -> LedgerAccount:
    if payout.source == Payout.Source.WALLET:
        return wallet_get_or_create(user=payout.owner)
    return campaign_services.campaign_fund_account(campaign=payout.campaign)


def _return(payout: Payout, *, status: str, by: User | None, reason: str) -> Payout:
    """Inside the caller's transaction, the payout locked: the money back where it came from."""
    txn = ledger_post(
        kind=LedgerTransaction.Kind.PAYOUT_RETURN,
        legs=[
            Leg(in_transit_account(), -payout.amount),
            Leg(_source_account(payout), payout.amount),
        ],
        reference=f"Payout returned ({reason})"[:200],
        # The provider's verdict has no person behind it: the movement is the asker's.
        created_by=by or payout.requested_by,
    )
    before = payout.status
    payout.status = status
    payout.settle_transaction = txn
    payout.settled_at = timezone.now()
    payout.failure_reason = reason[:200]
    payout.save(update_fields=["status", "settle_transaction", "settled_at", "failure_reason"])
    audit_record(
        actor=by,
        action=f"payout.{status}",
        subject=payout,
        changes={"status": [before, status], "amount": payout.amount, "returned": True},
        reason=reason,
    )
    return payout


def payout_settle(
    *, payout: Payout, paid: bool, failure_reason: str = "", by: User | None = None
) -> Payout:
    """The provider's verdict on a payout in transit, applied once: paid, the money
    leaves for the outside world; failed, it goes back to the wallet or fund.
    Anything not `processing` any more (settled, rejected) is PayoutNotInTransit:
    a repeated or late webhook changes nothing."""
    from payouts import tasks

    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout.pk)
        if payout.status != Payout.Status.PROCESSING:
            raise PayoutNotInTransit()
        if paid:
            txn = ledger_post(
                kind=LedgerTransaction.Kind.PAYOUT,
                legs=[
                    Leg(in_transit_account(), -payout.amount),
                    Leg(external_account(), payout.amount),
                ],
                reference=f"Payout to {payout.payee_name}"[:200],
                created_by=by or payout.requested_by,
            )
            payout.status = Payout.Status.PAID
            payout.settle_transaction = txn
            payout.settled_at = timezone.now()
            payout.save(update_fields=["status", "settle_transaction", "settled_at"])
            audit_record(
                actor=by,
                action="payout.paid",
                subject=payout,
                changes={"status": ["processing", "paid"], "amount": payout.amount},
            )
        else:
            _return(
                payout,
                status=Payout.Status.FAILED,
                by=by,
                reason=failure_reason or "the provider could not pay",
            )
        enqueue_with_transaction(tasks.send_payout_notice, str(payout.pk))
    return payout


# --- Bank files (PAYOUT_GATEWAY=bankfile) ------------------------------------------------


class NothingToExport(DomainError):
    code = "nothing_to_export"
    default_message = "No payout is waiting for a bank file."


def payouts_awaiting_bank_file() -> "QuerySet[Payout]":
    """Handed to the bank-file gateway and in no file yet. A campaign payout with
    no bank account cannot be in a file; finance settles it by hand."""
    return Payout.objects.filter(
        status=Payout.Status.PROCESSING,
        gateway="bankfile",
        sent_at__isnull=False,
        batch__isnull=True,
        payout_account__isnull=False,
    )


def payout_batch_export(
    *, by: User | None, payout_ids: list | None = None, execution_date: date | None = None
) -> PayoutBatch:
    """Put every payout waiting for a bank file (or those of `payout_ids` among
    them) into one pain.001 credit-transfer file, kept encrypted in a
    PayoutBatch. The payouts stay `processing`, now in the batch, until the
    bank's statement says paid or returned; their money stays in transit. The
    rows are locked, so two exports at once never put a payout in two files."""
    from payouts import bankfile

    with transaction.atomic():
        waiting = payouts_awaiting_bank_file().select_for_update()
        if payout_ids is not None:
            waiting = waiting.filter(pk__in=payout_ids)
        payouts = list(waiting.select_related("payout_account").order_by("created_at", "id"))
        if not payouts:
            raise NothingToExport()
        problems = bankfile.debtor_problems()
        if problems:
            raise ValidationError({"settings": problems})
        transfers = [
            bankfile.Transfer(
                end_to_end_id=bankfile.end_to_end_id(payout),
                name=payout.payee_name,
                iban=payout_destination(payout),
                amount=payout.amount,
                description=(f"OSE payout {payout.pk.hex[:12]} {payout.description}").strip(),
            )
            for payout in payouts
        ]
        message_id, document = bankfile.pain001(
            transfers, execution_date=execution_date or timezone.localdate()
        )
        total = money.quantize(sum((p.amount for p in payouts), Decimal("0")))
        batch = PayoutBatch.objects.create(
            message_id=message_id,
            created_by=by,
            payout_count=len(payouts),
            total=total,
            document_encrypted=crypto.encrypt(document.decode("utf-8")),
        )
        # Sent now: handed to the bank in this file (the stuck-payout check and the
        # payout's history read it).
        Payout.objects.filter(pk__in=[p.pk for p in payouts]).update(
            batch=batch, sent_at=batch.created_at
        )
        audit_record(
            actor=by,
            action="payout_batch.exported",
            subject=batch,
            changes={
                "message_id": message_id,
                "payouts": [str(p.pk) for p in payouts],
                "total": total,
            },
        )
    return batch


def payout_batch_document(*, batch: PayoutBatch, by: User) -> bytes:
    """The batch's pain.001 file, clear IBANs and all: who read it is audited."""
    with transaction.atomic():
        audit_record(
            actor=by,
            action="payout_batch.downloaded",
            subject=batch,
            changes={"message_id": batch.message_id},
        )
    return crypto.decrypt(batch.document_encrypted).encode("utf-8")


@dataclass
class StatementReport:
    paid: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    already_settled: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # unknown ids, amounts that differ

    def lines(self) -> list[str]:
        out = [
            f"paid: {len(self.paid)}",
            f"returned (failed): {len(self.failed)}",
            f"already settled: {len(self.already_settled)}",
            f"problems: {len(self.problems)}",
        ]
        return out + [f"problem: {item}" for item in self.problems]


def _return_after_paid(*, payout: Payout, reason: str, by: User | None) -> bool:
    """A credit transfer the bank booked out and the payee's bank later sent back
    (closed account, wrong name): the money is in the institution's account
    again, so it goes back to the wallet or fund it came from, once. False when
    the payout is not (or no longer) paid."""
    from payouts import tasks

    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout.pk)
        if payout.status != Payout.Status.PAID:
            return False
        txn = ledger_post(
            kind=LedgerTransaction.Kind.PAYOUT_RETURN,
            legs=[
                Leg(external_account(), -payout.amount),
                Leg(_source_account(payout), payout.amount),
            ],
            reference=f"Payout returned by the bank ({reason})"[:200],
            created_by=by or payout.requested_by,
        )
        payout.status = Payout.Status.FAILED
        payout.settle_transaction = txn
        payout.settled_at = timezone.now()
        payout.failure_reason = reason[:200]
        payout.save(update_fields=["status", "settle_transaction", "settled_at", "failure_reason"])
        audit_record(
            actor=by,
            action="payout.returned_after_paid",
            subject=payout,
            changes={"status": ["paid", "failed"], "amount": payout.amount, "returned": True},
            reason=reason,
        )
        enqueue_with_transaction(tasks.send_payout_notice, str(payout.pk))
    return True


def bank_statement_import(*, document: bytes, by: User | None) -> StatementReport:
    """Settle exported payouts from the bank's camt.054 (or camt.053) statement,
    matched by end-to-end id: booked, the payout is paid; returned, it fails and
    its money goes back, once (payout_settle acts only on a payout in transit,
    and a return after a booked payment only on a paid one, so importing the
    same statement twice changes nothing). A line whose amount
    differs from the payout's, or that names no exported payout, settles nothing
    and is reported."""
    from payouts import bankfile

    lines = bankfile.camt_lines(document)
    report = StatementReport()
    for line in lines:
        try:
            pk = UUID(hex=line.end_to_end_id)
        except ValueError:
            report.problems.append(f"{line.end_to_end_id}: not one of our end-to-end ids")
            continue
        payout = Payout.objects.filter(pk=pk, batch__isnull=False).first()
        if payout is None:
            report.problems.append(f"{line.end_to_end_id}: no exported payout has this id")
            continue
        if line.amount is not None and line.amount != payout.amount:
            report.problems.append(
                f"{line.end_to_end_id}: the bank says {line.amount}, the payout is {payout.amount}"
            )
            continue
        try:
            payout_settle(payout=payout, paid=line.paid, failure_reason=line.reason, by=by)
        except PayoutNotInTransit:
            if line.paid or not _return_after_paid(payout=payout, reason=line.reason, by=by):
                report.already_settled.append(line.end_to_end_id)
                continue
        (report.paid if line.paid else report.failed).append(line.end_to_end_id)
    with transaction.atomic():
        audit_record(
            actor=by,
            action="payout_statement.imported",
            subject_type="payouts.statement",
            subject_id="",
            changes={
                "paid": len(report.paid),
                "failed": len(report.failed),
                "already_settled": len(report.already_settled),
                "problems": len(report.problems),
            },
        )
    return report


# --- Checks -----------------------------------------------------------------------------


def payouts_stuck(*, older_than: timedelta = timedelta(days=1)) -> list[Payout]:
    """Payouts handed to the provider (or waiting to be) longer than `older_than`."""
    cutoff = timezone.now() - older_than
    return list(
        Payout.objects.filter(status=Payout.Status.PROCESSING, created_at__lt=cutoff).order_by(
            "created_at"
        )
    )


def in_transit_problems() -> list[str]:
    """ledger_verify's check: the in-transit account holds exactly the payouts not
    yet settled."""
    balance = (
        LedgerAccount.objects.filter(key=IN_TRANSIT_KEY).values_list("balance", flat=True).first()
    )
    balance = money.quantize(balance or 0)
    unsettled = money.quantize(
        Payout.objects.filter(status__in=Payout.IN_TRANSIT).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    if balance != unsettled:
        return [
            f"{IN_TRANSIT_KEY}: holds {balance} but the payouts not yet settled sum to {unsettled}"
        ]
    return []


def register_ledger_checks() -> None:
    ledger_check_register("payouts_in_transit", in_transit_problems)


def register_approval_kinds() -> None:
    """Plug the two outflows into four-eyes (called from PayoutsConfig.ready())."""
    register_kind(
        WITHDRAWAL,
        execute=_execute_withdrawal,
        checker_perm=checker_perm(WITHDRAWAL),
        subject_of=_wallet_owner,
        on_reject=_reject_withdrawal,
    )
    register_kind(
        CAMPAIGN_PAYOUT,
        execute=_execute_campaign_payout,
        checker_perm=checker_perm(CAMPAIGN_PAYOUT),
        subject_of=_campaign_organizer,
    )
