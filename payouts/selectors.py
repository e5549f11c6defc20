"""Reads of payout accounts and payouts, scoped to the caller."""

from decimal import Decimal
from uuid import UUID

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.models import User
from config.errors import NotAllowed, NotFound
from payouts.models import Payout, PayoutAccount, PayoutBatch
from staff.permissions import staff_reads, user_can


def payout_account_list(*, user: User) -> QuerySet[PayoutAccount]:
    """The caller's own saved bank accounts (never anyone else's, even for staff)."""
    return PayoutAccount.objects.active().filter(owner=user)


def payout_account_get_for(*, user: User, pk: UUID | str, lock: bool = False) -> PayoutAccount:
    """One saved bank account: missing or removed is NotFound, someone else's NotAllowed."""
    qs = PayoutAccount.objects.active()
    if lock:
        qs = qs.select_for_update()
    account = qs.filter(pk=pk).first()
    if account is None:
        raise NotFound()
    if account.owner_id != user.pk:
        raise NotAllowed(_("This bank account is not yours."))
    return account


def withdrawal_list(*, user: User, mine: bool = False) -> QuerySet[Payout]:
    """Wallet withdrawals, newest first: the caller's own; staff see everyone's."""
    qs = Payout.objects.filter(source=Payout.Source.WALLET).select_related("payout_account")
    if mine or not staff_reads(user):
        qs = qs.filter(owner=user)
    return qs.order_by("-created_at", "-id")


def withdrawal_get_for(*, user: User, pk: UUID | str, lock: bool = False) -> Payout:
    qs = Payout.objects.filter(source=Payout.Source.WALLET)
    if lock:
        qs = qs.select_for_update()
    payout = qs.select_related("payout_account").filter(pk=pk).first()
    if payout is None:
        raise NotFound()
    if payout.owner_id != user.pk and not staff_reads(user):
        raise NotAllowed()
    return payout


def campaign_payout_list(*, campaign, user: User) -> QuerySet[Payout]:
    """A campaign's payouts: its organizer and staff see them (others NotAllowed)."""
    if campaign.organizer_id != user.pk and not staff_reads(user):
        raise NotAllowed(_("Only the organizer and staff see a campaign's payouts."))
    return (
        Payout.objects.filter(campaign=campaign)
        .select_related("payout_account")
        .order_by("-created_at", "-id")
    )


def campaign_paid_out(*, campaign) -> Decimal:
    """What has left the campaign's fund for good (paid payouts)."""
    total = Payout.objects.filter(campaign=campaign, status=Payout.Status.PAID).aggregate(
        total=Sum("amount")
    )["total"]
    return money.quantize(total or 0)


def payouts_in_transit_total() -> Decimal:
    total = Payout.objects.filter(status__in=Payout.IN_TRANSIT).aggregate(total=Sum("amount"))[
        "total"
    ]
    return money.quantize(total or 0)


def payout_can_request_for_campaign(*, campaign, user: User) -> bool:
    return bool(
        user.is_authenticated
        and (campaign.organizer_id == user.pk or user_can(user, "staff.campaign_payout_request"))
    )


def payout_batch_get_for(*, user: User, pk: UUID | str) -> PayoutBatch:
    """A bank file, for finance only: it names payees' IBANs in clear."""
    if not user_can(user, "staff.approve_withdrawal"):
        raise NotAllowed("Only finance may read bank files.")
    batch = PayoutBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise NotFound("No such bank file.")
    return batch
