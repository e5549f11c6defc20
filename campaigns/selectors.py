"""Reads of campaigns and donations shared by the API, the pages and the admin.

Lists return a queryset with everything its rows show already joined, so a
list costs the same number of queries for 1 row or 100. `*_get_for` loads one
object and decides whether the caller may have it: `NotFound` when it does not
exist or the caller may not know it does (someone's draft), `NotAllowed` when
the caller may see that it exists but not read it."""

from decimal import Decimal
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.models import LedgerAccount, User
from campaigns.models import Campaign, CampaignUpdate, Donation
from config.errors import NotAllowed, NotFound

# Staff read everyone's rows; without the second factor, when it is required, only their own.
from staff.permissions import staff_reads

Viewer = User | AnonymousUser | None

# The longest search text the lists take (the API's filter and the page's box).
SEARCH_MAX_LENGTH = 200


def campaign_list(
    *,
    user: Viewer,
    status: str | None = None,
    search: str | None = None,
    include_closed: bool = True,
) -> QuerySet[Campaign]:
    """Campaigns `user` may see (drafts: their organizer and staff only), newest
    first; without `include_closed`, completed and cancelled ones are left out
    (unless `status` names one)."""
    qs = Campaign.objects.visible_to(user).select_related("organizer")
    if status:
        qs = qs.filter(status=status)
    elif not include_closed:
        qs = qs.open_or_draft()
    if search:
        search = search.strip()
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return qs.order_by("-created_at", "-id")


def campaign_list_active_first(
    *,
    user: Viewer,
    status: str | None = None,
    search: str | None = None,
    include_closed: bool = True,
) -> QuerySet[Campaign]:
    """For the pages: active campaigns first (ending soonest first), then the rest."""
    campaigns = campaign_list(
        user=user, status=status, search=search, include_closed=include_closed
    )
    if status or not include_closed:
        # One status, or only active and draft (the page's default): "active" <
        # "draft", so the status itself gives the rank below, without a CASE to
        # build and compile on every request of the busiest page.
        return campaigns.order_by("status", "end_date", "-created_at", "-id")
    rank = Case(
        When(status=Campaign.Status.ACTIVE, then=Value(0)),
        When(status=Campaign.Status.DRAFT, then=Value(1)),
        When(status=Campaign.Status.COMPLETED, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return campaigns.annotate(rank=rank).order_by("rank", "end_date", "-created_at", "-id")


def campaign_featured(*, limit: int = 3) -> list[Campaign]:
    """A few active campaigns for the home page, ending soonest first."""
    return list(
        Campaign.objects.active()
        .select_related("organizer")
        .order_by("end_date", "-created_at")[:limit]
    )


def campaign_get_for(
    *, user: Viewer, pk: UUID | str, lock: bool = False, organizer: bool = True
) -> Campaign:
    """One campaign `user` may see, with its organizer (unless `organizer` is
    False: a donation never reads it); someone else's draft is NotFound, as if it
    did not exist. `lock` takes the campaign row's lock (not the organizer's) for
    the rest of the transaction."""
    qs = Campaign.objects.visible_to(user)
    if organizer:
        qs = qs.select_related("organizer")
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except Campaign.DoesNotExist:
        raise NotFound() from None


def campaign_donation_list(*, campaign: Campaign, user: Viewer = None) -> QuerySet[Donation]:
    """A campaign's donations, newest first. The public sees completed ones;
    staff also see refunded ones."""
    qs = Donation.objects.filter(campaign=campaign).select_related("donor", "campaign")
    if not (user is not None and staff_reads(user)):
        qs = qs.filter(status=Donation.Status.COMPLETED)
    return qs.order_by("-created_at", "-id")


def donation_list(*, user: User, mine: bool = False) -> QuerySet[Donation]:
    """The caller's own donations; staff see everyone's unless `mine`."""
    qs = Donation.objects.select_related("donor", "campaign", "campaign__organizer")
    if mine or not staff_reads(user):
        qs = qs.filter(donor=user)
    return qs.order_by("-created_at", "-id")


def donation_get_for(*, user: User, pk: UUID | str, lock: bool = False) -> Donation:
    """One donation, for its donor and staff; anyone else is NotAllowed."""
    qs = Donation.objects.select_related("donor", "campaign", "refunded_by")
    if lock:
        qs = qs.select_for_update(of=("self",))
    donation = qs.filter(pk=pk).first()
    if donation is None:
        raise NotFound()
    if not (staff_reads(user) or donation.donor_id == user.pk):
        raise NotAllowed(_("This donation is not yours."))
    return donation


def campaign_update_list(*, campaign: Campaign) -> QuerySet[CampaignUpdate]:
    """A campaign's updates, newest first, with their authors (load the campaign
    with campaign_get_for first: that decides who may read them)."""
    return (
        CampaignUpdate.objects.filter(campaign=campaign)
        .select_related("author")
        .order_by("-created_at", "-id")
    )


def campaign_donor_emails(*, campaign: Campaign, exclude_user_id=None) -> list[tuple[str, str]]:
    """(e-mail, name) of everyone with a completed gift to the campaign, once each."""
    qs = (
        Donation.objects.filter(campaign=campaign, status=Donation.Status.COMPLETED)
        .exclude(donor_id=exclude_user_id)
        .values_list("donor__email", "donor__name")
        .distinct()
        .order_by("donor__email")
    )
    return list(qs)


def campaign_fund_parts(*, campaign: Campaign) -> list[LedgerAccount]:
    """The accounts of the campaign's sadaqah fund: the main one (key
    campaign:<id>) first, then the parts donations spilled into when many
    arrived at once (campaign:<id>:<n>). The fund holds their sum."""
    accounts = LedgerAccount.objects.filter(
        kind=LedgerAccount.Kind.CAMPAIGN_FUND, key__startswith=campaign.fund_key
    )
    return sorted(accounts, key=lambda a: (a.key != campaign.fund_key, len(a.key), a.key))


def campaign_fund_balance(*, campaign: Campaign) -> Decimal:
    """What the campaign's sadaqah fund holds, over all its parts."""
    return sum((a.balance for a in campaign_fund_parts(campaign=campaign)), Decimal("0.00"))
