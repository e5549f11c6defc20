from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import LedgerAccount, LedgerTransaction
from accounts.selectors import wallet_for
from accounts.services import InsufficientFunds, ledger_verify
from campaigns import selectors, services
from campaigns.models import Campaign, Donation
from config.errors import InvalidTransition, NotAllowed, NotFound
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_campaign_is_a_draft_with_an_empty_fund(user):
    campaign = make_campaign(organizer=user, status="draft")

    assert campaign.status == Campaign.Status.DRAFT
    fund = LedgerAccount.objects.get(key=f"campaign:{campaign.pk}")
    assert fund.kind == LedgerAccount.Kind.CAMPAIGN_FUND
    assert fund.balance == 0


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("name", {"name": "Tiny"}),
        ("name", {"name": "x" * 201}),
        ("target_amount", {"target_amount": Decimal("0")}),
        ("target_amount", {"target_amount": Decimal("-5.00")}),
        ("end_date", {"end_offset": 0, "start_offset": 0}),
        ("end_date", {"end_offset": -3, "start_offset": 0}),
    ],
)
def test_campaign_create_refuses_bad_fields(user, field, kwargs):
    today = timezone.localdate()
    data = {
        "organizer": user,
        "name": kwargs.get("name", "A good campaign"),
        "target_amount": kwargs.get("target_amount", Decimal("100.00")),
        "start_date": today + timedelta(days=kwargs.get("start_offset", 0)),
        "end_date": today + timedelta(days=kwargs.get("end_offset", 10)),
    }
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(**data)
    assert field in exc.value.message_dict
    assert Campaign.objects.count() == 0


@pytest.mark.parametrize(
    ("start", "move", "end"),
    [
        ("draft", "activate", "active"),
        ("draft", "cancel", "cancelled"),
        ("active", "complete", "completed"),
        ("active", "cancel", "cancelled"),
    ],
)
def test_lifecycle_allowed_moves(staff_user, start, move, end):
    campaign = make_campaign(status=start)

    moved = getattr(services, f"campaign_{move}")(campaign=campaign, by=staff_user)

    assert moved.status == end
    campaign.refresh_from_db()
    assert campaign.status == end


@pytest.mark.parametrize(
    ("start", "move"),
    [
        ("draft", "complete"),
        ("active", "activate"),
        ("completed", "activate"),
        ("completed", "cancel"),
        ("completed", "complete"),
        ("cancelled", "activate"),
        ("cancelled", "complete"),
        ("cancelled", "cancel"),
    ],
)
def test_lifecycle_refused_moves(staff_user, start, move):
    campaign = make_campaign(status=start)

    with pytest.raises(InvalidTransition):
        getattr(services, f"campaign_{move}")(campaign=campaign, by=staff_user)

    campaign.refresh_from_db()
    assert campaign.status == start


def test_only_staff_move_campaigns(user):
    campaign = make_campaign(organizer=user, status="draft")
    with pytest.raises(services.StaffOnly) as exc:
        services.campaign_activate(campaign=campaign, by=user)
    # The shared 403: the API answers permission_denied, a page Django's 403.
    assert isinstance(exc.value, NotAllowed)
    assert issubclass(services.CampaignWriteDenied, NotAllowed)


def test_organizer_edits_only_while_draft(user, staff_user):
    campaign = make_campaign(organizer=user, status="draft")
    services.campaign_update(campaign=campaign, by=user, name="A better name")
    services.campaign_activate(campaign=campaign, by=staff_user)

    with pytest.raises(services.CampaignNotDraft):
        services.campaign_update(campaign=campaign, by=user, name="Another name")
    services.campaign_update(campaign=campaign, by=staff_user, target_amount=Decimal("2000.00"))

    campaign.refresh_from_db()
    assert campaign.name == "A better name"
    assert campaign.target_amount == Decimal("2000.00")


def test_someone_else_cannot_edit(user, other_user):
    campaign = make_campaign(organizer=user, status="draft")
    with pytest.raises(services.CampaignWriteDenied):
        services.campaign_update(campaign=campaign, by=other_user, name="Hijacked name")


def test_donation_moves_money_and_updates_totals(django_capture_on_commit_callbacks):
    campaign = make_campaign(target="300.00")
    donor = funded_donor("100.00")

    with django_capture_on_commit_callbacks(execute=True):
        donation = services.donation_create(
            donor=donor, campaign=campaign, amount=Decimal("40.00"), message="Bismillah"
        )

    campaign.refresh_from_db()
    assert donation.status == Donation.Status.COMPLETED
    assert campaign.current_amount == Decimal("40.00")
    assert campaign.donor_count == 1
    assert campaign.progress_percentage == Decimal("13.33")
    assert wallet_for(user=donor).balance == Decimal("60.00")
    assert LedgerAccount.objects.get(key=campaign.fund_key).balance == Decimal("40.00")
    assert donation.ledger_transaction.kind == LedgerTransaction.Kind.DONATION
    assert ledger_verify().problems == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [donor.email]
    assert "40.00" in mail.outbox[0].body
    assert campaign.name in mail.outbox[0].subject


def test_donor_count_counts_distinct_donors():
    campaign = make_campaign()
    first, second = funded_donor(), funded_donor()

    for donor in (first, first, second):
        services.donation_create(donor=donor, campaign=campaign, amount=Decimal("10.00"))

    campaign.refresh_from_db()
    assert campaign.donor_count == 2
    assert campaign.current_amount == Decimal("30.00")


def test_progress_may_pass_one_hundred():
    campaign = make_campaign(target="50.00")
    services.donation_create(donor=funded_donor(), campaign=campaign, amount=Decimal("75.50"))
    campaign.refresh_from_db()
    assert campaign.progress_percentage == Decimal("151.00")


@pytest.mark.parametrize(
    ("status", "start_offset", "end_offset"),
    [
        ("completed", -1, 10),
        ("cancelled", -1, 10),
        ("active", 2, 10),  # not started yet
    ],
)
def test_donation_refused_when_campaign_not_open(status, start_offset, end_offset):
    campaign = make_campaign(status=status, start_offset=start_offset, end_offset=end_offset)
    donor = funded_donor("100.00")

    with pytest.raises(services.CampaignNotActive):
        services.donation_create(donor=donor, campaign=campaign, amount=Decimal("10.00"))

    assert Donation.objects.count() == 0
    assert wallet_for(user=donor).balance == Decimal("100.00")


def test_a_draft_is_not_found_by_strangers_and_not_open_to_its_organizer():
    organizer = funded_donor("100.00")
    campaign = make_campaign(status="draft", organizer=organizer)
    stranger = funded_donor("100.00")

    with pytest.raises(NotFound):
        services.donation_create(donor=stranger, campaign=campaign, amount=Decimal("10.00"))
    with pytest.raises(services.CampaignNotActive):
        services.donation_create(donor=organizer, campaign=campaign.pk, amount=Decimal("10.00"))

    assert Donation.objects.count() == 0
    assert wallet_for(user=stranger).balance == Decimal("100.00")


def test_donation_accepted_on_the_first_and_the_last_day():
    # Both dates are inclusive: a campaign ending today still takes gifts today.
    campaign = make_campaign(start_offset=0, end_offset=5)
    first = services.donation_create(
        donor=funded_donor(), campaign=campaign, amount=Decimal("1.00")
    )
    Campaign.objects.filter(pk=campaign.pk).update(
        start_date=timezone.localdate() - timedelta(days=10), end_date=timezone.localdate()
    )
    last = services.donation_create(donor=funded_donor(), campaign=campaign, amount=Decimal("2.00"))

    assert (first.status, last.status) == (Donation.Status.COMPLETED, Donation.Status.COMPLETED)
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("3.00")


def test_donation_refused_after_the_end_date():
    campaign = make_campaign(start_offset=-10, end_offset=5)
    Campaign.objects.filter(pk=campaign.pk).update(
        end_date=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(services.CampaignNotActive):
        services.donation_create(donor=funded_donor(), campaign=campaign, amount=Decimal("1.00"))


def test_short_wallet_is_insufficient_funds_and_writes_nothing():
    campaign = make_campaign()
    donor = funded_donor("20.00")

    with pytest.raises(InsufficientFunds) as exc:
        services.donation_create(donor=donor, campaign=campaign, amount=Decimal("50.00"))

    assert exc.value.extra == {"available_amount": "20.00", "required_amount": "50.00"}
    campaign.refresh_from_db()
    assert campaign.current_amount == 0
    assert campaign.donor_count == 0
    assert Donation.objects.count() == 0


@pytest.mark.parametrize("amount", ["0", "-1.00", "0.001", "1000000.01"])
def test_donation_amount_must_be_positive_cents(amount):
    with pytest.raises(ValidationError):
        services.donation_create(
            donor=funded_donor(), campaign=make_campaign(), amount=Decimal(amount)
        )


def test_message_is_length_limited_and_stored_raw():
    campaign = make_campaign()
    donor = funded_donor()
    with pytest.raises(ValidationError):
        services.donation_create(
            donor=donor, campaign=campaign, amount=Decimal("1.00"), message="x" * 501
        )
    donation = services.donation_create(
        donor=donor, campaign=campaign, amount=Decimal("1.00"), message="<script>x</script>"
    )
    assert donation.message == "<script>x</script>"


def test_refund_returns_money_and_corrects_totals(staff_user, django_capture_on_commit_callbacks):
    campaign = make_campaign()
    donor, other = funded_donor("100.00"), funded_donor("100.00")
    first = services.donation_create(donor=donor, campaign=campaign, amount=Decimal("30.00"))
    services.donation_create(donor=other, campaign=campaign, amount=Decimal("20.00"))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        refunded = services.donation_refund(donation=first, by=staff_user)

    campaign.refresh_from_db()
    assert refunded.status == Donation.Status.REFUNDED
    assert refunded.refund_transaction.reverses_id == first.ledger_transaction_id
    assert Donation.objects.filter(pk=first.pk).exists()
    assert campaign.current_amount == Decimal("20.00")
    assert campaign.donor_count == 1
    assert wallet_for(user=donor).balance == Decimal("100.00")
    assert LedgerAccount.objects.get(key=campaign.fund_key).balance == Decimal("20.00")
    assert ledger_verify().problems == []
    assert len(mail.outbox) == 1
    assert "refunded" in mail.outbox[0].subject


def test_refund_keeps_a_donor_with_another_donation_counted(staff_user):
    campaign = make_campaign()
    donor = funded_donor()
    first = services.donation_create(donor=donor, campaign=campaign, amount=Decimal("5.00"))
    services.donation_create(donor=donor, campaign=campaign, amount=Decimal("7.00"))

    services.donation_refund(donation=first, by=staff_user)

    campaign.refresh_from_db()
    assert campaign.donor_count == 1
    assert campaign.current_amount == Decimal("7.00")


def test_refund_happens_once(staff_user):
    campaign = make_campaign()
    donation = services.donation_create(
        donor=funded_donor(), campaign=campaign, amount=Decimal("5.00")
    )
    services.donation_refund(donation=donation, by=staff_user)

    with pytest.raises(services.AlreadyRefunded):
        services.donation_refund(donation=donation, by=staff_user)

    campaign.refresh_from_db()
    assert campaign.current_amount == 0
    assert LedgerTransaction.objects.filter(reverses=donation.ledger_transaction).count() == 1


def test_refund_is_staff_only(user):
    donation = services.donation_create(
        donor=funded_donor(), campaign=make_campaign(), amount=Decimal("5.00")
    )
    with pytest.raises(services.StaffOnly):
        services.donation_refund(donation=donation, by=user)


def test_refund_refused_when_the_fund_was_paid_out(staff_user):
    from accounts.services import Leg, external_account, ledger_post

    campaign = make_campaign()
    donation = services.donation_create(
        donor=funded_donor(), campaign=campaign, amount=Decimal("50.00")
    )
    fund = LedgerAccount.objects.get(key=campaign.fund_key)
    ledger_post(
        kind="adjustment",
        legs=[Leg(fund, Decimal("-45.00")), Leg(external_account(), Decimal("45.00"))],
        reference="Paid out to the supplier",
    )

    with pytest.raises(services.RefundNotPossible):
        services.donation_refund(donation=donation, by=staff_user)

    donation.refresh_from_db()
    assert donation.status == Donation.Status.COMPLETED


def test_close_ended_campaigns_completes_only_past_ones():
    ended = make_campaign(start_offset=-10, end_offset=5)
    Campaign.objects.filter(pk=ended.pk).update(end_date=timezone.localdate() - timedelta(days=1))
    running = make_campaign()
    draft = make_campaign(status="draft", start_offset=-10, end_offset=5)
    Campaign.objects.filter(pk=draft.pk).update(end_date=timezone.localdate() - timedelta(days=1))

    assert services.campaigns_close_ended() == 1

    statuses = dict(Campaign.objects.values_list("pk", "status"))
    assert statuses == {ended.pk: "completed", running.pk: "active", draft.pk: "draft"}


def test_close_ended_campaigns_command_and_task(capsys):
    from django.core.management import call_command

    from campaigns.tasks import close_ended_campaigns

    ended = make_campaign(start_offset=-10, end_offset=5)
    Campaign.objects.filter(pk=ended.pk).update(end_date=timezone.localdate() - timedelta(days=2))
    call_command("close_ended_campaigns")
    assert "Completed 1" in capsys.readouterr().out
    assert close_ended_campaigns.enqueue().return_value == 0


def test_deleting_only_drafts(user, staff_user):
    draft = make_campaign(organizer=user, status="draft")
    active = make_campaign(organizer=user)

    services.campaign_delete(campaign=draft, by=user)
    with pytest.raises(services.CampaignNotDraft):
        services.campaign_delete(campaign=active, by=staff_user)

    assert list(Campaign.objects.values_list("pk", flat=True)) == [active.pk]
    assert not LedgerAccount.objects.filter(key=f"campaign:{draft.pk}").exists()


def test_database_refuses_broken_rows(user):
    from django.db import IntegrityError, transaction

    campaign = make_campaign(organizer=user)
    for change in (
        {"target_amount": 0},
        {"current_amount": -1},
        {"status": "weird"},
        {"name": "abc"},
        {"description": "x" * 10_001},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Campaign.objects.filter(pk=campaign.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(end_date=campaign.start_date)


def test_demo_seed_is_idempotent_and_creates_no_users(django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_demo", stdout=StringIO())
    users = User.objects.count()
    campaigns = Campaign.objects.count()
    donations = Donation.objects.count()
    call_command("seed_demo", stdout=StringIO())

    assert User.objects.count() == users
    assert (Campaign.objects.count(), Donation.objects.count()) == (campaigns, donations)
    assert set(Campaign.objects.values_list("status", flat=True)) == {
        "draft",
        "active",
        "completed",
        "cancelled",
    }
    assert Campaign.objects.filter(status="active").count() == 3
    assert ledger_verify().problems == []
    assert not UserFactory._meta.model.objects.filter(email__endswith="@example.org").exists()


def test_campaign_get_for_hides_drafts_from_strangers(user, other_user, staff_user):
    draft = make_campaign(organizer=user, status="draft")
    assert selectors.campaign_get_for(user=user, pk=draft.pk) == draft
    assert selectors.campaign_get_for(user=staff_user, pk=draft.pk) == draft
    for stranger in (other_user, None):
        with pytest.raises(NotFound):
            selectors.campaign_get_for(user=stranger, pk=draft.pk)
    active = make_campaign(status="active")
    assert selectors.campaign_get_for(user=None, pk=active.pk, lock=True) == active


def test_donation_get_for_is_the_donor_and_staff_only(other_user, staff_user):
    donor = funded_donor()
    donation = services.donation_create(
        donor=donor, campaign=make_campaign(), amount=Decimal("5.00")
    )
    assert selectors.donation_get_for(user=donor, pk=donation.pk) == donation
    assert selectors.donation_get_for(user=staff_user, pk=donation.pk) == donation
    with pytest.raises(NotAllowed):
        selectors.donation_get_for(user=other_user, pk=donation.pk)
    with pytest.raises(NotFound):
        selectors.donation_get_for(user=staff_user, pk=Campaign.objects.get().pk)
