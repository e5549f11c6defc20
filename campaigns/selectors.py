"""Reads of campaigns and donations shared by the API, the pages and the admin.

Each returns a queryset with everything its rows show already joined, so a
list costs the same number of queries for 1 row or 100."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from accounts.models import User
from campaigns.models import Campaign, Donation


def campaign_list(
    *, user: User | None, status: str | None = None, search: str | None = None
) -> QuerySet[Campaign]:
    """Campaigns `user` may see (drafts: their organizer and staff only), newest first."""
    qs = Campaign.objects.visible_to(user).select_related("organizer")
    if status:
        qs = qs.filter(status=status)
    if search:
        search = search.strip()
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return qs.order_by("-created_at", "-id")


def campaign_list_active_first(
    *, user: User | None, status: str | None = None, search: str | None = None
) -> QuerySet[Campaign]:
    """For the pages: active campaigns first (ending soonest first), then the rest."""
    rank = Case(
        When(status=Campaign.Status.ACTIVE, then=Value(0)),
        When(status=Campaign.Status.DRAFT, then=Value(1)),
        When(status=Campaign.Status.COMPLETED, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        campaign_list(user=user, status=status, search=search)
        .annotate(rank=rank)
        .order_by("rank", "end_date", "-created_at", "-id")
    )


def campaign_featured(*, limit: int = 3) -> list[Campaign]:
    """A few active campaigns for the home page, ending soonest first."""
    return list(
        Campaign.objects.active()
        .select_related("organizer")
        .order_by("end_date", "-created_at")[:limit]
    )


def campaign_get(*, user: User | None, pk) -> Campaign | None:
    """One campaign if `user` may see it; None otherwise (unknown or someone's draft)."""
    return Campaign.objects.visible_to(user).select_related("organizer").filter(pk=pk).first()


def campaign_donation_list(*, campaign: Campaign, user: User | None = None) -> QuerySet[Donation]:
    """A campaign's donations, newest first. The public sees completed ones;
    staff also see refunded ones."""
    qs = Donation.objects.filter(campaign=campaign).select_related("donor", "campaign")
    if not (user is not None and user.is_authenticated and user.is_staff):
        qs = qs.filter(status=Donation.Status.COMPLETED)
    return qs.order_by("-created_at", "-id")


def donation_list(*, user: User, campaign_id=None, own_only: bool = False) -> QuerySet[Donation]:
    """The caller's own donations; staff see everyone's unless `own_only`."""
    qs = Donation.objects.select_related("donor", "campaign", "campaign__organizer")
    if own_only or not user.is_staff:
        qs = qs.filter(donor=user)
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    return qs.order_by("-created_at", "-id")


def donation_get(*, pk) -> Donation | None:
    return Donation.objects.select_related("donor", "campaign", "refunded_by").filter(pk=pk).first()
