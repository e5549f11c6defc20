"""Campaigns: every write and every rule about campaigns and donations.

Money moves only through accounts.services (the ledger). Locks are taken in one
order everywhere a donation's money moves — donation row, then (inside the
ledger) the accounts in primary-key order, then the campaign row, whose totals
are the last thing written before COMMIT — so concurrent writers queue, never
deadlock, and the campaign row is held only for that last statement and the
commit (status moves and edits lock the campaign row alone).

A campaign's sadaqah fund is the account campaign:<id> plus the parts a
donation spills into when that account is already taken by another donation in
flight (campaign:<id>:<n>, up to CAMPAIGN_FUND_PARTS): one viral appeal is then
served by several ledger accounts at once instead of one donation at a time.
The fund holds the sum of its parts (selectors.campaign_fund_balance); payouts
draw from the parts, main first; a refund first tops its part up from the
others when payouts have drawn it below the gift (docs/scaling.md).
"""

import logging
import random
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts import services as ledger
from accounts.models import LedgerAccount, LedgerEntry, LedgerTransaction, User
from campaigns import selectors
from campaigns.models import (
    MESSAGE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    NAME_MIN_LENGTH,
    UPDATE_BODY_MAX_LENGTH,
    UPDATE_TITLE_MAX_LENGTH,
    Campaign,
    CampaignUpdate,
    Donation,
    DonationReceiptCounter,
)
from config import realtime
from config.errors import ConflictOfInterest, DomainError, InvalidTransition, NotAllowed
from config.taskqueue import deferred, enqueue_with_transaction
from config.validators import NoControlCharacters, single_line
from staff.permissions import user_can
from staff.services.audit import audit_record

logger = logging.getLogger(__name__)

MAX_DONATION = Decimal("1000000.00")
# The largest target a campaign may set: a thousand of the largest donations.
MAX_TARGET = MAX_DONATION * 1000
# Names and references are cut to what their ledger columns hold.
ACCOUNT_NAME_MAX_LENGTH = LedgerAccount._meta.get_field("name").max_length
REFERENCE_MAX_LENGTH = LedgerTransaction._meta.get_field("reference").max_length
EDITABLE_FIELDS = ("name", "description", "target_amount", "start_date", "end_date")


class CampaignNotActive(DomainError):
    code = "campaign_not_active"
    default_message = _("This campaign is not accepting donations.")


class CampaignNotDraft(DomainError):
    code = "campaign_not_draft"
    default_message = _("Only a draft campaign can be changed or deleted by its organizer.")


class CampaignWriteDenied(NotAllowed):
    default_message = _(
        "Only the organizer (while it is a draft) or staff may change this campaign."
    )


class AlreadyRefunded(DomainError):
    code = "already_refunded"
    default_message = _("This donation has already been refunded.")


class RefundNotPossible(DomainError):
    code = "refund_not_possible"
    default_message = _(
        "The campaign's fund (or its zakat account) no longer holds enough to refund "
        "this donation (the money has already been paid out)."
    )


class NotZakatEligible(DomainError):
    code = "not_zakat_eligible"
    default_message = _(
        "This campaign does not take zakat: only campaigns staff have approved as "
        "spending on zakat recipients do. Give it as sadaqah instead."
    )


OWN_ZAKAT_ELIGIBLE = (
    "You cannot decide whether your own campaign takes zakat; another member of staff must."
)


class StaffOnly(NotAllowed):
    default_message = _("Only staff may do this.")


# --- Accounts and broadcasting ------------------------------------------------------


def _fund_part_key(campaign_id: Any, part: int) -> str:
    return f"campaign:{campaign_id}" if part == 0 else f"campaign:{campaign_id}:{part}"


def campaign_fund_account(*, campaign: Campaign, part: int = 0) -> LedgerAccount:
    """The campaign's fund in the ledger (kind campaign_fund, key campaign:<id>), or
    one of the parts donations spill into (key campaign:<id>:<part>)."""
    suffix = f" (part {part + 1})" if part else ""
    return ledger.ledger_account(
        LedgerAccount.Kind.CAMPAIGN_FUND,
        _fund_part_key(campaign.pk, part),
        f"Campaign fund: {campaign.name}"[: ACCOUNT_NAME_MAX_LENGTH - len(suffix)] + suffix,
    )


def _free_fund_part(campaign_id: Any) -> int:
    """Which part of the campaign's fund this donation goes into: the first one no
    other donation in flight holds (0, the main account, whenever the campaign is
    quiet), else one at random. One round trip: a transaction-scoped advisory
    lock per part, only ever tried (never waited for), so it cannot deadlock;
    held to COMMIT, as the part's row lock is."""
    parts = settings.CAMPAIGN_FUND_PARTS
    if parts <= 1 or connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT part FROM generate_series(0, %s) AS part"
            " WHERE pg_try_advisory_xact_lock(hashtext(%s), part) LIMIT 1",
            [parts - 1, f"campaign:{campaign_id}"],
        )
        row = cursor.fetchone()
    return row[0] if row else random.randrange(parts)  # noqa: S311 - spreading, not secrecy


def campaign_fund_draw_legs(*, campaign: Campaign, amount: Decimal) -> list["ledger.Leg"]:
    """Legs taking `amount` out of the campaign's sadaqah fund, from its main account
    first, then its parts. More than the fund holds: InsufficientFunds."""
    legs, left = [], amount
    parts = selectors.campaign_fund_parts(campaign=campaign)
    for account in parts:
        take = min(account.balance, left)
        if take > 0:
            legs.append(ledger.Leg(account, -take))
            left -= take
        if left == 0:
            return legs
    raise ledger.InsufficientFunds(
        "The campaign's fund holds less than this.",
        available_amount=str(money.quantize(sum((a.balance for a in parts), money.ZERO))),
        required_amount=str(money.quantize(amount)),
    )


def _refill_for_refund(*, donation: Donation, campaign: Campaign, by) -> None:
    if donation.designation != Donation.Designation.SADAQAH:
        return
    entry = (
        LedgerEntry.objects.select_related("account")
        .filter(transaction_id=donation.ledger_transaction_id, amount__gt=0)
        .first()
    )
    if entry is not None and entry.account.kind == LedgerAccount.Kind.CAMPAIGN_FUND:
        _refill_fund_part(campaign=campaign, account=entry.account, amount=donation.amount, by=by)


def _refill_fund_part(*, campaign: Campaign, account: LedgerAccount, amount: Decimal, by) -> None:
    """Before a refund from `account` (one part of the fund), move what it lacks
    from the fund's other parts: payouts draw the main account first, so the part
    a gift went into may hold less than the gift while the fund holds enough."""
    account.refresh_from_db(fields=["balance"])
    short = amount - account.balance
    if short <= 0:
        return
    legs, left = [], short
    for other in selectors.campaign_fund_parts(campaign=campaign):
        if other.pk == account.pk or other.balance <= 0:
            continue
        take = min(other.balance, left)
        legs.append(ledger.Leg(other, -take))
        left -= take
        if left == 0:
            break
    if left > 0:  # the fund as a whole holds less: the refund itself says so
        return
    ledger.ledger_post(
        kind=LedgerTransaction.Kind.FUND_TRANSFER,
        legs=[*legs, ledger.Leg(account, short)],
        reference=f"Within the fund of {campaign.name}"[:REFERENCE_MAX_LENGTH],
        memo="Parts of one fund evened out before a refund",
        created_by=by,
    )


def campaign_zakat_fund_account(*, campaign: Campaign) -> LedgerAccount:
    """Where zakat given to the campaign is held (kind campaign_zakat_fund, key
    campaign_zakat:<id>), apart from its sadaqah: it is spent only on zakat recipients."""
    return ledger.campaign_zakat_account(campaign.pk, campaign.name)


def _donation_accounts(
    *, donor: User, campaign: Campaign, designation: str = Donation.Designation.SADAQAH
) -> tuple[LedgerAccount, LedgerAccount]:
    """The donor's wallet and the account the gift goes into (the campaign's fund for
    sadaqah, its zakat account for zakat): one query when both exist."""
    zakat = designation == Donation.Designation.ZAKAT
    part = 0 if zakat else _free_fund_part(campaign.pk)
    keys = (
        ledger.wallet_key(donor),
        campaign.zakat_fund_key if zakat else _fund_part_key(campaign.pk, part),
    )
    found = {a.key: a for a in LedgerAccount.objects.filter(key__in=keys)}
    wallet = found.get(keys[0]) or ledger.wallet_get_or_create(user=donor)
    fund = found.get(keys[1]) or (
        campaign_zakat_fund_account(campaign=campaign)
        if zakat
        else campaign_fund_account(campaign=campaign, part=part)
    )
    return wallet, fund


_TOTALS_ADD = {
    "postgresql": "UPDATE campaigns_campaign SET current_amount = current_amount + %s,"
    " donor_count = GREATEST(donor_count + %s, 0), updated_at = %s WHERE id = %s",
    # SQLite keeps decimals as doubles: rounding each sum to cents stops any drift.
    "sqlite": "UPDATE campaigns_campaign SET current_amount = ROUND(current_amount + %s, 2),"
    " donor_count = MAX(donor_count + %s, 0), updated_at = %s WHERE id = %s",
}
_IF_OPEN = " AND status = %s AND start_date <= %s AND end_date >= %s"
_RETURNING = " RETURNING current_amount, donor_count"


def _campaign_totals_add(
    *, campaign: Campaign, amount: Decimal, donors: int, open_on: date | None = None
) -> bool:
    """Add to the campaign's totals in one statement, the last before COMMIT, so
    the campaign row is locked only for it and the commit. With `open_on`, only
    while the campaign still takes donations that day (a status move that
    committed since it was read makes this False, and the caller rolls back).
    The instance gets the new totals."""
    ops, now = connection.ops, timezone.now()
    sql = _TOTALS_ADD[connection.vendor]
    params = [
        ops.adapt_decimalfield_value(amount, 18, 2),
        donors,
        ops.adapt_datetimefield_value(now),
        Campaign._meta.pk.get_db_prep_value(campaign.pk, connection),
    ]
    if open_on is not None:
        sql += _IF_OPEN
        day = ops.adapt_datefield_value(open_on)
        params += [Campaign.Status.ACTIVE, day, day]
    with connection.cursor() as cursor:
        cursor.execute(sql + _RETURNING, params)
        found = cursor.fetchone()
    if found is None:
        return False
    campaign.current_amount = money.quantize(Decimal(str(found[0])))
    campaign.donor_count, campaign.updated_at = found[1], now
    return True


def campaign_group_name(campaign_id: Any) -> str:
    return f"campaign.{campaign_id}"


def campaign_progress_payload(campaign: Campaign) -> dict[str, Any]:
    return {
        "current_amount": str(money.quantize(campaign.current_amount)),
        "donor_count": campaign.donor_count,
        "progress_percentage": str(campaign.progress_percentage),
    }


def _broadcast(campaign_id: Any, payload: dict[str, Any]) -> None:
    """Send to everyone watching the campaign. Runs after commit; a channel
    layer that is down must never undo or fail a committed donation."""
    try:
        realtime.group_send(
            campaign_group_name(campaign_id), {"type": "campaign.event", "payload": payload}
        )
    except Exception:
        logger.exception("Could not broadcast an update of campaign %s", campaign_id)


def _donation_event(kind: str, donation: Donation, campaign: Campaign) -> dict[str, Any]:
    return {
        "type": kind,
        "campaign_id": str(campaign.pk),
        "donation": {
            "id": str(donation.pk),
            "amount": str(money.quantize(donation.amount)),
            "donor_name": donation.public_donor_name,
            "message": donation.message,
            "timestamp": donation.created_at.isoformat().replace("+00:00", "Z"),
        },
        "campaign": campaign_progress_payload(campaign),
    }


# --- Campaign lifecycle -------------------------------------------------------------


def _validate_fields(data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    name = data.get("name")
    if name is not None and not (NAME_MIN_LENGTH <= len(name) <= NAME_MAX_LENGTH):
        errors["name"] = [
            f"The name must be {NAME_MIN_LENGTH} to {NAME_MAX_LENGTH} characters long."
        ]
    if data.get("target_amount") is not None:
        try:
            money.parse_cents(
                data["target_amount"],
                field="target_amount",
                message="The target must be more than zero, in whole cents.",
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    start, end = data.get("start_date"), data.get("end_date")
    if start is not None and end is not None and end <= start:
        errors["end_date"] = ["The end date must be after the start date."]
    if errors:
        raise ValidationError(errors)


def campaign_create(
    *,
    organizer: User,
    name: str,
    target_amount: Decimal,
    start_date: date,
    end_date: date,
    description: str = "",
    zakat_eligible: bool = False,
) -> Campaign:
    """Any signed-in person may start a campaign; it begins as a draft that staff
    review and activate. Its fund account is opened at once. It never starts
    zakat-eligible: that is another staff member's decision (campaign_update);
    staff asking for it on their own new campaign get 403 conflict_of_interest,
    anyone else's value is ignored."""
    if zakat_eligible and user_can(organizer, "staff.campaign_manage"):
        raise ConflictOfInterest(OWN_ZAKAT_ELIGIBLE)
    name = (name or "").strip()
    data = {
        "name": name,
        "target_amount": money.quantize(target_amount),
        "start_date": start_date,
        "end_date": end_date,
    }
    _validate_fields(data)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            organizer=organizer, description=(description or "").strip(), **data
        )
        campaign_fund_account(campaign=campaign)
    return campaign


def _can_write(campaign: Campaign, user: User) -> bool:
    if user_can(user, "staff.campaign_manage"):
        return True
    return campaign.organizer_id == user.pk


def _staff_power_used(campaign: Campaign, by: User) -> bool:
    """Whether a write needed staff.campaign_manage: someone else's campaign, or one
    no longer a draft. Those writes go into the audit trail; an organizer's edits
    of their own draft are their own business, as on the API."""
    return campaign.organizer_id != by.pk or campaign.status != Campaign.Status.DRAFT


def campaign_update(*, campaign: Campaign, by: User, **changes: Any) -> Campaign:
    """The organizer edits only while draft; staff may edit the description,
    target and dates at any time. Status and totals are never edited here.
    A staff edit leaves one audit event, "campaign.updated", with the changed
    fields {field: [before, after]}.

    `zakat_eligible` (whether the campaign takes zakat) is set only by staff
    holding staff.campaign_manage, never on their own campaign (403
    conflict_of_interest); anyone else's value is ignored, as other read-only
    fields are, and a change of it is always audited."""
    zakat_eligible = changes.pop("zakat_eligible", None)
    if zakat_eligible is not None and not user_can(by, "staff.campaign_manage"):
        zakat_eligible = None
    changes = {k: v for k, v in changes.items() if k in EDITABLE_FIELDS}
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not _can_write(campaign, by):
            raise CampaignWriteDenied()
        if not user_can(by, "staff.campaign_manage") and campaign.status != Campaign.Status.DRAFT:
            raise CampaignNotDraft()
        if "name" in changes:
            changes["name"] = (changes["name"] or "").strip()
        if "target_amount" in changes:
            changes["target_amount"] = money.quantize(changes["target_amount"])
        merged = {f: changes.get(f, getattr(campaign, f)) for f in EDITABLE_FIELDS}
        _validate_fields(merged)
        diff = {
            field: [getattr(campaign, field), value]
            for field, value in changes.items()
            if getattr(campaign, field) != value
        }
        if zakat_eligible is not None and bool(zakat_eligible) != campaign.zakat_eligible:
            if campaign.organizer_id == by.pk:
                raise ConflictOfInterest(OWN_ZAKAT_ELIGIBLE)
            changes["zakat_eligible"] = bool(zakat_eligible)
            diff["zakat_eligible"] = [campaign.zakat_eligible, bool(zakat_eligible)]
        for field, value in changes.items():
            setattr(campaign, field, value)
        if changes:
            campaign.save(update_fields=[*changes, "updated_at"])
        if diff and (_staff_power_used(campaign, by) or "zakat_eligible" in diff):
            audit_record(actor=by, action="campaign.updated", subject=campaign, changes=diff)
    return campaign


def campaign_delete(*, campaign: Campaign, by: User) -> None:
    """Only drafts can be deleted (they never hold money); a live campaign is
    cancelled instead, so its donations stay on the record. Staff deleting
    someone else's draft leave one audit event, "campaign.deleted", with the
    fields it had {field: [before, None]}."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not _can_write(campaign, by):
            raise CampaignWriteDenied()
        if campaign.status != Campaign.Status.DRAFT:
            raise CampaignNotDraft(_("Only a draft can be deleted; cancel the campaign instead."))
        fund = LedgerAccount.objects.filter(key=campaign.fund_key).first()
        if _staff_power_used(campaign, by):
            audit_record(
                actor=by,
                action="campaign.deleted",
                subject=campaign,
                changes={
                    field: [getattr(campaign, field), None]
                    for field in ("organizer_id", *EDITABLE_FIELDS)
                },
            )
        campaign.delete()
        if fund is not None and not fund.entries.exists():
            fund.delete()


# The audit action of each move: "campaign.activated" etc.
_MOVE_ACTIONS = {"activate": "activated", "complete": "completed", "cancel": "cancelled"}

_MOVES = {
    "activate": ({Campaign.Status.DRAFT}, Campaign.Status.ACTIVE),
    "complete": ({Campaign.Status.ACTIVE}, Campaign.Status.COMPLETED),
    "cancel": ({Campaign.Status.DRAFT, Campaign.Status.ACTIVE}, Campaign.Status.CANCELLED),
}


def _move(*, campaign: Campaign, by: User | None, move: str) -> Campaign:
    allowed_from, target = _MOVES[move]
    if by is not None and not user_can(by, "staff.campaign_manage"):
        raise StaffOnly()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in allowed_from:
            raise InvalidTransition(
                f"A {campaign.get_status_display().lower()} campaign cannot be {move}d."
                if move != "cancel"
                else f"A {campaign.get_status_display().lower()} campaign cannot be cancelled."
            )
        if move == "activate" and campaign.end_date < timezone.localdate():
            raise InvalidTransition(_("This campaign's end date has passed; change it first."))
        before = campaign.status
        campaign.status = target
        campaign.save(update_fields=["status", "updated_at"])
        # Staff, or the system (no actor) when the end date has passed.
        audit_record(
            actor=by,
            action=f"campaign.{_MOVE_ACTIONS[move]}",
            subject=campaign,
            changes={"status": [before, target]},
        )
        logger.info("Campaign %s: %s by %s", campaign.pk, move, getattr(by, "pk", "system"))
    return campaign


def campaign_activate(*, campaign: Campaign, by: User | None) -> Campaign:
    """draft → active (staff). Donations are accepted from the start date."""
    return _move(campaign=campaign, by=by, move="activate")


def campaign_complete(*, campaign: Campaign, by: User | None) -> Campaign:
    """active → completed (staff, or the system when the end date passes)."""
    return _move(campaign=campaign, by=by, move="complete")


def campaign_cancel(*, campaign: Campaign, by: User | None) -> Campaign:
    """draft or active → cancelled (staff). Donations stay; staff may refund them."""
    return _move(campaign=campaign, by=by, move="cancel")


def campaigns_close_ended(*, today: date | None = None) -> int:
    """Complete every active campaign whose end date has passed. Returns how many."""
    today = today or timezone.localdate()
    closed = 0
    for campaign in Campaign.objects.active().filter(end_date__lt=today).order_by("end_date"):
        try:
            campaign_complete(campaign=campaign, by=None)
        except InvalidTransition:  # moved by someone else meanwhile
            continue
        closed += 1
    return closed


# --- Donations ----------------------------------------------------------------------

RECEIPT_COUNTER = "donation_receipt"


RECEIPT_ISSUE_BATCH = 500
RECEIPT_SEND_BATCH = 100


def _lock_receipt_counter() -> int:
    """Lock the counter row and return the last number issued (a row lock on
    PostgreSQL; SQLite's transactions take the write lock as they begin)."""
    table = DonationReceiptCounter._meta.db_table
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(
                f"UPDATE {table} SET value = value WHERE name = %s RETURNING value",  # noqa: S608
                [RECEIPT_COUNTER],
            )
            row = cursor.fetchone()
            if row is not None:
                return row[0]
            # A database emptied without its migrations' rows (a flushed test database).
            DonationReceiptCounter.objects.get_or_create(name=RECEIPT_COUNTER)
    raise RuntimeError("the donation receipt counter cannot be locked")  # pragma: no cover


def donation_receipts_issue(*, batch: int = RECEIPT_ISSUE_BATCH) -> int:
    """Give the next receipt numbers (DN-000001...) to every donation that has none,
    in the order they were made, and return how many were issued.

    Numbers are issued after a donation commits, never inside it: a counter row
    locked by every donation until its commit would let only one donation through
    at a time. Only committed donations are seen here, under the counter's lock, so
    the series stays unique and gap-free (a donation that rolled back never had a
    number). The receipt task issues them within a moment; the receipt page, the
    PDF and the statements issue any still missing before they show one."""
    issued = 0
    while True:
        with transaction.atomic():
            last = _lock_receipt_counter()
            pending = list(
                Donation.objects.filter(receipt_number__isnull=True)
                .order_by("created_at", "id")
                .values_list("pk", flat=True)[:batch]
            )
            if pending:
                numbers = [When(pk=pk, then=Value(last + n)) for n, pk in enumerate(pending, 1)]
                Donation.objects.filter(pk__in=pending).update(receipt_number=Case(*numbers))
                DonationReceiptCounter.objects.filter(name=RECEIPT_COUNTER).update(
                    value=last + len(pending)
                )
        issued += len(pending)
        if len(pending) < batch:
            return issued


def donation_receipt_number(*, donation: Donation) -> Donation:
    """The donation with its receipt number, issued now if the receipt task has not
    done it yet (it is issued a moment after the donation commits)."""
    if donation.receipt_number is None:
        with transaction.atomic():  # read back from the database that was written
            donation_receipts_issue()
            donation.receipt_number = (
                Donation.objects.filter(pk=donation.pk)
                .values_list("receipt_number", flat=True)
                .first()
            )
    return donation


def donation_receipts_claim(*, batch: int = RECEIPT_SEND_BATCH) -> list[Donation]:
    """Claim up to `batch` numbered donations whose receipt e-mail has not gone,
    oldest number first, marking them sent; rows another worker is claiming are
    skipped, so two workers never mail the same receipt. The caller mails them and
    gives back with donation_receipts_release those it could not send."""
    with transaction.atomic():
        claimed = list(
            Donation.objects.filter(receipt_sent_at__isnull=True, receipt_number__isnull=False)
            .order_by("receipt_number")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch]
        )
        if not claimed:
            return []
        Donation.objects.filter(pk__in=claimed).update(receipt_sent_at=timezone.now())
        return list(
            Donation.objects.filter(pk__in=claimed)
            .select_related("donor", "campaign")
            .order_by("receipt_number")
        )


def donation_receipts_release(*, donations: list[Donation]) -> None:
    """Give back claimed receipts that were not mailed: the next task mails them."""
    with transaction.atomic():
        Donation.objects.filter(pk__in=[d.pk for d in donations]).update(receipt_sent_at=None)


def donation_check_accepts(
    *, campaign: Campaign, designation: str, today: date | None = None
) -> None:
    """The campaign takes a gift of this designation today, else CampaignNotActive or
    NotZakatEligible. Recurring gifts and checkouts ask before they take any money."""
    if not campaign.is_open_on(today or timezone.localdate()):
        if campaign.status == Campaign.Status.ACTIVE:
            raise CampaignNotActive(_("This campaign is not open for donations on this date."))
        raise CampaignNotActive(
            _("This campaign is %(get_status_display)s and is not accepting donations.")
            % {"get_status_display": campaign.get_status_display().lower()}
        )
    if designation == Donation.Designation.ZAKAT and not campaign.zakat_eligible:
        raise NotZakatEligible()


def donation_create(
    *,
    donor: User,
    campaign: Campaign | UUID | str,
    amount: Decimal,
    message: str = "",
    is_anonymous: bool = False,
    designation: str = Donation.Designation.SADAQAH,
) -> Donation:
    """Give `amount` from the donor's wallet to the campaign's fund.

    `designation` is "sadaqah" (the default: into the campaign's fund) or "zakat"
    (into the campaign's zakat account, held apart and spent only on zakat
    recipients; only a zakat-eligible campaign takes it, else not_zakat_eligible).
    `current_amount` counts both.

    One transaction: the campaign row is locked, so the totals of concurrent
    donations add up exactly and `donor_count` (distinct donors with a completed
    donation) is never counted twice. The receipt (its number and its e-mail) and
    the live update follow once the donation has committed: the receipt task is
    queued in the same transaction, so a committed donation always gets one.

    `campaign` may be just its id (the API passes it so): the campaign is read
    when it is locked, and one the donor may not see (someone else's draft, or
    none) is NotFound, as if it did not exist."""
    from campaigns import tasks

    amount = money.parse_cents(
        amount,
        field="amount",
        maximum=MAX_DONATION,
        message=f"Enter an amount from 0.01 to {MAX_DONATION} in whole cents.",
    )
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"message": [f"Keep the message to {MESSAGE_MAX_LENGTH} characters or fewer."]}
        )
    if designation not in Donation.Designation.values:
        raise ValidationError({"designation": ['Choose "sadaqah" or "zakat".']})
    campaign_id = campaign.pk if isinstance(campaign, Campaign) else campaign
    today = timezone.localdate()
    with transaction.atomic():
        # Not locked: the totals are added by the last statement, which checks again
        # that the campaign is open (a cancel that commits meanwhile rolls this back).
        campaign = selectors.campaign_get_for(user=donor, pk=campaign_id, organizer=False)
        donation_check_accepts(campaign=campaign, designation=designation, today=today)
        wallet, fund = _donation_accounts(donor=donor, campaign=campaign, designation=designation)
        label = "Zakat" if designation == Donation.Designation.ZAKAT else "Donation"
        posting = ledger.ledger_post(
            kind=LedgerTransaction.Kind.DONATION,
            legs=[ledger.Leg(wallet, -amount), ledger.Leg(fund, amount)],
            reference=f"{label} to {campaign.name}"[:REFERENCE_MAX_LENGTH],
            created_by=donor,
        )
        # After the posting, which locked the donor's wallet: two gifts of one donor
        # queue there, so the second sees the first and the donor counts once.
        first_from_donor = not Donation.objects.filter(
            campaign=campaign, donor=donor, status=Donation.Status.COMPLETED
        ).exists()
        donation = Donation.objects.create(
            campaign=campaign,
            donor=donor,
            amount=amount,
            message=message,
            is_anonymous=bool(is_anonymous),
            designation=designation,
            ledger_transaction=posting,
        )
        # Waits RECEIPT_BATCH_SECONDS in the queue: one run mails the gifts made meanwhile.
        receipt = deferred(tasks.send_donation_receipt, settings.RECEIPT_BATCH_SECONDS)
        enqueue_with_transaction(receipt, str(donation.pk))
        if not _campaign_totals_add(
            campaign=campaign, amount=amount, donors=int(first_from_donor), open_on=today
        ):
            raise CampaignNotActive("This campaign stopped taking donations a moment ago.")

        event = _donation_event("new_donation", donation, campaign)
        transaction.on_commit(lambda: _broadcast(campaign.pk, event), robust=True)
    return donation


def donation_refund(*, donation: Donation, by: User, reason: str = "") -> Donation:
    """Staff give a donation back: a reversing ledger transaction returns the
    money from the campaign's fund to the donor's wallet, the totals and donor
    count drop, and the donation is marked refunded (never deleted). Zakat given
    to a campaign is never refunded: it leaves its zakat account only to an
    approved zakat case (400 `zakat_fund_restricted`).

    The donation row is locked first, so of many concurrent refunds exactly one
    goes through and the rest see `already_refunded`. Besides the posting's own
    audit event, the refund leaves one "donation.refunded" event with the reason."""
    from campaigns import tasks

    if not user_can(by, "staff.donation_refund"):
        raise StaffOnly(_("Only staff holding staff.donation_refund may refund a donation."))
    if not connection.in_atomic_block:
        # Evening out the fund's parts commits on its own first (one statement), so
        # the refund below never holds one part while waiting for another.
        current = Donation.objects.select_related("campaign").get(pk=donation.pk)
        if current.status == Donation.Status.COMPLETED and current.donor_id != by.pk:
            _refill_for_refund(donation=current, campaign=current.campaign, by=by)
    with transaction.atomic():
        donation = Donation.objects.select_for_update().get(pk=donation.pk)
        if donation.donor_id == by.pk:  # staff never move money back to themselves
            raise ConflictOfInterest()
        if donation.status == Donation.Status.REFUNDED:
            raise AlreadyRefunded()
        if donation.designation == Donation.Designation.ZAKAT:
            raise ledger.ZakatFundRestricted(
                "Zakat given to a campaign is not refunded: it belongs to the zakat "
                "recipients and leaves only to an approved zakat case."
            )
        campaign = Campaign.objects.get(pk=donation.campaign_id)
        _refill_for_refund(donation=donation, campaign=campaign, by=by)  # no-op when done above
        try:
            reversal = ledger.ledger_reverse(
                original=donation.ledger_transaction,
                reason=(reason or "").strip() or f"Refund of donation {donation.pk}",
                by=by,
                by_record_owner=True,
            )
        except ledger.AlreadyReversed:
            raise AlreadyRefunded() from None
        except ledger.InsufficientFunds as exc:
            raise RefundNotPossible(**exc.extra) from None
        donation.status = Donation.Status.REFUNDED
        donation.refund_transaction = reversal
        donation.refunded_at = timezone.now()
        donation.refunded_by = by
        donation.save(update_fields=["status", "refund_transaction", "refunded_at", "refunded_by"])
        # The posting has its own "ledger.donation" event (the money); this one is
        # the staff decision about the donation, with its reason.
        audit_record(
            actor=by,
            action="donation.refunded",
            subject=donation,
            changes={
                "status": [Donation.Status.COMPLETED, Donation.Status.REFUNDED],
                "amount": donation.amount,
                "refund_transaction": reversal.pk,
            },
            reason=reversal.memo,
        )
        still_a_donor = Donation.objects.filter(
            campaign=campaign, donor_id=donation.donor_id, status=Donation.Status.COMPLETED
        ).exists()
        _campaign_totals_add(
            campaign=campaign, amount=-donation.amount, donors=0 if still_a_donor else -1
        )

        event = _donation_event("donation_refunded", donation, campaign)
        transaction.on_commit(lambda: _broadcast(campaign.pk, event), robust=True)
        enqueue_with_transaction(tasks.send_refund_notice, str(donation.pk))
    donation.campaign = campaign
    return donation


# --- Cover image and updates (the organizer's, or a campaign manager's) ---------------


class CampaignEditDenied(NotAllowed):
    default_message = "Only the campaign's organizer or a campaign manager may do this."


def campaign_may_present(campaign: Campaign, user: User) -> bool:
    """Cover and updates: the organizer, whatever the status, or staff holding
    staff.campaign_manage. They move no money, so no four-eyes."""
    return campaign.organizer_id == user.pk or user_can(user, "staff.campaign_manage")


def campaign_cover_set(*, campaign: Campaign, by: User, image: Any) -> Campaign:
    """Replace the campaign's cover with `image` (an uploaded file), checked by
    its content and re-encoded by campaigns.images (a 400 naming "image"
    otherwise; nothing is stored). The old files are removed once the change
    commits. A campaign manager setting someone else's cover leaves an audit event."""
    from campaigns.images import process_cover

    if not campaign_may_present(campaign, by):
        raise CampaignEditDenied()
    cover = process_cover(image)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not campaign_may_present(campaign, by):
            raise CampaignEditDenied()
        old = [f.name for f in (campaign.cover, campaign.cover_thumbnail) if f]
        stem = f"{campaign.pk}-{timezone.now():%Y%m%d%H%M%S%f}"
        storage = campaign.cover.storage
        new: list[str] = []
        try:
            campaign.cover.save(f"{stem}.{cover.extension}", ContentFile(cover.image), save=False)
            new.append(campaign.cover.name)
            campaign.cover_thumbnail.save(
                f"{stem}-thumb.{cover.extension}", ContentFile(cover.thumbnail), save=False
            )
            new.append(campaign.cover_thumbnail.name)
            campaign.save(update_fields=["cover", "cover_thumbnail", "updated_at"])
            if campaign.organizer_id != by.pk:
                audit_record(
                    actor=by,
                    action="campaign.cover_set",
                    subject=campaign,
                    changes={"cover": [old[0] if old else None, campaign.cover.name]},
                )
        except BaseException:
            # The row stays as it was: the files written for it go too.
            for name in new:
                storage.delete(name)
            raise
        # Once the new cover is committed, the old files serve nobody.
        transaction.on_commit(lambda: [storage.delete(name) for name in old], robust=True)
    return campaign


_update_title = single_line
_update_body = NoControlCharacters(multiline=True)


def campaign_update_create(
    *, campaign: Campaign, by: User, title: str, body: str
) -> CampaignUpdate:
    """Post news on a campaign (organizer or campaign manager); the campaign's
    donors are each e-mailed it, by a task queued in the same transaction. A
    campaign manager posting on someone else's campaign leaves an audit event."""
    title, body = (title or "").strip(), (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not title or len(title) > UPDATE_TITLE_MAX_LENGTH:
        errors["title"] = [f"A title of 1 to {UPDATE_TITLE_MAX_LENGTH} characters is needed."]
    if not body or len(body) > UPDATE_BODY_MAX_LENGTH:
        errors["body"] = [f"Write 1 to {UPDATE_BODY_MAX_LENGTH} characters."]
    for field, check, value in (("title", _update_title, title), ("body", _update_body, body)):
        if field not in errors:
            try:
                check(value)
            except ValidationError as exc:
                errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    from campaigns import tasks

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not campaign_may_present(campaign, by):
            raise CampaignEditDenied()
        update = CampaignUpdate.objects.create(campaign=campaign, title=title, body=body, author=by)
        if campaign.organizer_id != by.pk:
            audit_record(
                actor=by,
                action="campaign.update_posted",
                subject=campaign,
                changes={"title": [None, title]},
            )
        enqueue_with_transaction(tasks.send_campaign_update, str(update.pk))
    update.campaign = campaign
    return update
