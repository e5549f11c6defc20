"""Every staff write of campaigns, zakat and the admin leaves exactly one audit event
naming the actor, the action, the subject and the changes, in the write's own
transaction; a refused write leaves none.

(Money movements are counted in tests/security/test_money_state_machine.py,
approvals and adjustments in test_approvals.py, role changes in test_audit.py.)
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services as ledger
from accounts.models import LedgerTransaction, User
from campaigns import services as campaigns
from campaigns.models import Campaign, Donation
from config.errors import DomainError, InvalidTransition, NotAllowed
from staff.models import AuditEvent
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory, fund_wallet
from tests.staff.factories import staff_with
from tests.zakat.factories import MetalPriceFactory, ZakatRecordFactory
from zakat import selectors as zakat_selectors
from zakat import services as zakat
from zakat.models import MetalPrice, ZakatRecord

pytestmark = pytest.mark.django_db


class Trail:
    """The events written since it was opened."""

    def __init__(self) -> None:
        self.since = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def events(self, action_prefix: str = ""):
        return list(
            AuditEvent.objects.filter(id__gt=self.since, action__startswith=action_prefix).order_by(
                "id"
            )
        )

    def only(self, action_prefix: str = "") -> AuditEvent:
        events = self.events(action_prefix)
        assert len(events) == 1, [e.action for e in events]
        return events[0]


@pytest.fixture
def manager(db):
    return staff_with("campaign_manager")


@pytest.fixture
def officer(db):
    return staff_with("zakat_officer")


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True, roles=[])


def _subject(event: AuditEvent, obj) -> tuple[str, str]:
    return (event.subject_type, event.subject_id) == (obj._meta.label_lower, str(obj.pk))


# --- campaign lifecycle -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "move", "action", "after"),
    [
        ("draft", campaigns.campaign_activate, "campaign.activated", "active"),
        ("active", campaigns.campaign_complete, "campaign.completed", "completed"),
        ("active", campaigns.campaign_cancel, "campaign.cancelled", "cancelled"),
        ("draft", campaigns.campaign_cancel, "campaign.cancelled", "cancelled"),
    ],
)
def test_a_lifecycle_move_by_staff_is_one_event(manager, start, move, action, after):
    campaign = make_campaign(status=start)
    trail = Trail()

    move(campaign=campaign, by=manager)

    event = trail.only()
    assert event.action == action
    assert event.actor == manager
    assert _subject(event, campaign)
    assert event.changes == {"status": [start, after]}


def test_the_system_completing_an_ended_campaign_is_an_event_without_actor():
    campaign = make_campaign(status="active", start_offset=-10, end_offset=1)
    trail = Trail()

    assert campaigns.campaigns_close_ended(today=timezone.localdate() + timedelta(days=2)) == 1

    event = trail.only()
    assert (event.action, event.actor) == ("campaign.completed", None)
    assert _subject(event, campaign)
    assert event.changes == {"status": ["active", "completed"]}


def test_an_invalid_transition_leaves_no_event(manager):
    campaign = make_campaign(status="completed")
    trail = Trail()

    with pytest.raises(InvalidTransition):
        campaigns.campaign_activate(campaign=campaign, by=manager)
    with pytest.raises(NotAllowed):  # someone without the role
        campaigns.campaign_cancel(campaign=campaign, by=UserFactory())

    assert trail.events() == []


def test_the_event_commits_with_the_move_or_not_at_all(manager, monkeypatch):
    """Same transaction: when the event cannot be written, the move is undone."""
    campaign = make_campaign(status="draft")

    def broken(**kwargs):
        raise RuntimeError("the trail is down")

    monkeypatch.setattr(campaigns, "audit_record", broken)
    with pytest.raises(RuntimeError):
        campaigns.campaign_activate(campaign=campaign, by=manager)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


# --- campaign edits and deletions ---------------------------------------------------


def test_staff_editing_someone_elses_campaign_is_one_event_with_before_and_after(manager):
    campaign = make_campaign(status="active", target="1000.00", description="Old words.")
    trail = Trail()

    campaigns.campaign_update(
        campaign=campaign,
        by=manager,
        target_amount=Decimal("1500.00"),
        description="New words.",
        name=campaign.name,  # unchanged: not in the changes
    )

    event = trail.only()
    assert (event.action, event.actor) == ("campaign.updated", manager)
    assert _subject(event, campaign)
    assert event.changes == {
        "target_amount": ["1000.00", "1500.00"],
        "description": ["Old words.", "New words."],
    }


def test_an_organizer_editing_their_own_draft_is_not_a_staff_write():
    organizer = UserFactory()
    campaign = make_campaign(status="draft", organizer=organizer)
    trail = Trail()

    campaigns.campaign_update(campaign=campaign, by=organizer, description="Mine to change.")

    assert trail.events() == []


def test_a_refused_edit_leaves_no_event(manager):
    campaign = make_campaign(status="active")
    trail = Trail()

    with pytest.raises(DomainError):  # the organizer, once it is live
        campaigns.campaign_update(campaign=campaign, by=campaign.organizer, description="x")
    with pytest.raises(ValidationError):  # the end before the start
        campaigns.campaign_update(
            campaign=campaign, by=manager, end_date=campaign.start_date - timedelta(days=1)
        )

    assert trail.events() == []


def test_staff_deleting_someone_elses_draft_is_one_event(manager):
    campaign = make_campaign(status="draft", name="To be removed")
    campaign_id, organizer_id = campaign.pk, campaign.organizer_id
    trail = Trail()

    campaigns.campaign_delete(campaign=campaign, by=manager)

    event = trail.only()
    assert (event.action, event.actor) == ("campaign.deleted", manager)
    assert (event.subject_type, event.subject_id) == ("campaigns.campaign", str(campaign_id))
    assert event.changes["name"] == ["To be removed", None]
    assert event.changes["organizer_id"] == [str(organizer_id), None]
    assert not Campaign.objects.filter(pk=campaign_id).exists()


def test_a_refused_deletion_leaves_no_event(manager):
    campaign = make_campaign(status="active")
    trail = Trail()

    with pytest.raises(DomainError):
        campaigns.campaign_delete(campaign=campaign, by=manager)

    assert trail.events() == []


# --- refunds ------------------------------------------------------------------------


def test_a_refund_is_one_refund_event_with_the_reason_besides_the_postings_own():
    finance = staff_with("finance")
    campaign = make_campaign(status="active")
    donation = campaigns.donation_create(
        donor=funded_donor(), campaign=campaign, amount=Decimal("40.00")
    )
    trail = Trail()

    donation = campaigns.donation_refund(donation=donation, by=finance, reason="Asked by donor")

    refund = trail.only("donation.")
    assert (refund.action, refund.actor, refund.reason) == (
        "donation.refunded",
        finance,
        "Asked by donor",
    )
    assert _subject(refund, donation)
    assert refund.changes == {
        "status": ["completed", "refunded"],
        "amount": "40.00",
        "refund_transaction": str(donation.refund_transaction_id),
    }
    posting = trail.only("ledger.")  # the money, once
    assert posting.subject_id == str(donation.refund_transaction_id)
    assert len(trail.events()) == 2

    trail = Trail()
    with pytest.raises(campaigns.AlreadyRefunded):
        campaigns.donation_refund(donation=donation, by=finance, reason="Again")
    assert trail.events() == []
    assert Donation.objects.get(pk=donation.pk).status == Donation.Status.REFUNDED


# --- ledger reversals ---------------------------------------------------------------


def test_a_reversal_by_staff_is_the_postings_one_event_naming_original_and_reason():
    """No separate "ledger.reversed": the posting's event already names the actor,
    the original it reverses and the reason (docs in the report)."""
    finance = staff_with("finance")
    person = UserFactory()
    fund_wallet(person, "30.00")
    top_up = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.TOP_UP)
    trail = Trail()

    reversal = ledger.ledger_reverse(original=top_up, reason="Card charged back", by=finance)

    event = trail.only()
    assert (event.action, event.actor, event.reason) == (
        "ledger.top_up",
        finance,
        "Card charged back",
    )
    assert _subject(event, reversal)
    assert event.changes["reverses"] == str(top_up.pk)


# --- metal prices -------------------------------------------------------------------


def test_a_price_entry_by_a_person_is_one_event_with_the_prices(officer):
    trail = Trail()

    snapshot = zakat.metal_price_create(
        gold_price_per_gram=Decimal("97.25"),
        silver_price_per_gram=Decimal("1.15"),
        created_by=officer,
    )

    event = trail.only()
    assert (event.action, event.actor) == ("metal_price.entered", officer)
    assert _subject(event, snapshot)
    assert event.changes == {
        "gold_price_per_gram": "97.25",
        "silver_price_per_gram": "1.15",
        "currency": snapshot.currency,
        "source": "manual",
    }


def test_a_refused_price_entry_leaves_no_event_and_no_price(officer):
    trail = Trail()

    with pytest.raises(NotAllowed):
        zakat.metal_price_create(
            gold_price_per_gram=Decimal("1.00"),
            silver_price_per_gram=Decimal("1.00"),
            created_by=UserFactory(),
        )
    with pytest.raises(ValidationError):  # not a price
        zakat.metal_price_create(
            gold_price_per_gram=Decimal("0"),
            silver_price_per_gram=Decimal("1.00"),
            created_by=officer,
        )

    assert trail.events() == []
    assert not MetalPrice.objects.exists()


def test_the_feed_entering_prices_is_not_a_staff_write():
    trail = Trail()
    zakat.metal_price_create(
        gold_price_per_gram=Decimal("90.00"),
        silver_price_per_gram=Decimal("1.00"),
        source=MetalPrice.Source.FEED,
    )
    assert trail.events() == []


# --- zakat records ------------------------------------------------------------------


def test_staff_editing_someone_elses_record_is_one_event_with_before_and_after(officer):
    price = MetalPriceFactory()
    record = ZakatRecordFactory(payer_reference="payer-before")
    trail = Trail()

    zakat.zakat_record_update(
        record=record, by=officer, payer_id="payer-after", wealth_amount=Decimal("20000.00")
    )

    event = trail.only()
    assert (event.action, event.actor) == ("zakat_record.updated", officer)
    assert _subject(event, record)
    assert event.changes == {
        "payer_reference": ["payer-before", "payer-after"],
        "wealth_amount": ["10000.00", "20000.00"],
        "zakat_amount": ["250.00", "500.00"],
        "price_snapshot_id": [None, str(price.pk)],
    }


def test_an_owner_editing_their_own_record_is_not_a_staff_write():
    record = ZakatRecordFactory()
    trail = Trail()
    zakat.zakat_record_update(record=record, by=record.payer, wealth_amount=Decimal("12000.00"))
    assert trail.events() == []


def test_staff_deleting_someone_elses_record_is_one_event(officer):
    record = ZakatRecordFactory(payer_reference="payer-gone")
    record_id, payer_id = record.pk, record.payer_id
    trail = Trail()

    zakat.zakat_record_delete(record=record, by=officer)

    event = trail.only()
    assert (event.action, event.actor) == ("zakat_record.deleted", officer)
    assert (event.subject_type, event.subject_id) == ("zakat.zakatrecord", str(record_id))
    assert event.changes["payer_id"] == [str(payer_id), None]
    assert event.changes["payer_reference"] == ["payer-gone", None]
    assert event.changes["zakat_amount"] == ["250.00", None]
    assert not ZakatRecord.objects.filter(pk=record_id).exists()


def test_a_refused_record_change_leaves_no_event(officer):
    paid = ZakatRecordFactory(payment_status=ZakatRecord.PaymentStatus.COMPLETED)
    someone_elses = ZakatRecordFactory()
    trail = Trail()

    with pytest.raises(zakat.RecordNotPending):
        zakat.zakat_record_update(record=paid, by=officer, wealth_amount=Decimal("1.00"))
    with pytest.raises(zakat.RecordNotPending):
        zakat.zakat_record_delete(record=paid, by=officer)
    with pytest.raises(DomainError):  # a person who is not staff
        zakat.zakat_record_delete(record=someone_elses, by=UserFactory())

    assert trail.events() == []
    assert ZakatRecord.objects.filter(pk=someone_elses.pk).exists()


# --- admin edits --------------------------------------------------------------------


def test_a_user_change_page_edit_is_one_event_with_before_and_after(client, superuser):
    person = UserFactory(name="Old Name")
    finance = Group.objects.get(name="finance")
    client.force_login(superuser)
    trail = Trail()

    response = client.post(
        f"/admin/accounts/user/{person.pk}/change/",
        {
            "email": person.email,
            "name": "New Name",
            "is_active": "on",
            "is_staff": "on",
            "groups": [finance.pk],
        },
    )

    assert response.status_code == 302, response.content[:2000]
    event = trail.only()
    assert (event.action, event.actor) == ("admin.change", superuser)
    assert _subject(event, person)
    assert event.changes == {
        "name": ["Old Name", "New Name"],
        "is_staff": [False, True],
        "groups": [[], [str(finance.pk)]],
    }


def test_a_user_added_in_the_admin_is_one_event_without_the_password(client, superuser):
    client.force_login(superuser)
    trail = Trail()

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new.person@example.org",
            "name": "New Person",
            "usable_password": "true",
            "password1": "a-Long-and-secret-4711",
            "password2": "a-Long-and-secret-4711",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    event = trail.only()
    assert (event.action, event.actor) == ("admin.add", superuser)
    assert _subject(event, User.objects.get(email="new.person@example.org"))
    assert event.changes == {"email": "new.person@example.org", "name": "New Person"}
    assert "secret" not in str(event.changes)


def test_setting_a_password_in_the_admin_is_one_event_without_the_password(client, superuser):
    person = UserFactory()
    client.force_login(superuser)
    trail = Trail()

    response = client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {
            "usable_password": "true",
            "password1": "a-Long-and-secret-4711",
            "password2": "a-Long-and-secret-4711",
        },
    )

    assert response.status_code == 302
    event = trail.only()
    assert (event.action, event.actor, event.changes) == (
        "admin.change",
        superuser,
        {"password": "set"},
    )
    assert _subject(event, person)
    # A refused form (the two differ) changes nothing and records nothing.
    trail = Trail()
    client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"usable_password": "true", "password1": "one-Password-11", "password2": "two"},
    )
    assert trail.events() == []


def test_users_deleted_in_the_admin_are_one_event_each(client, superuser):
    """The changelist's bulk delete action and the delete page."""
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    client.force_login(superuser)
    trail = Trail()

    client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    client.post(f"/admin/accounts/user/{third.pk}/delete/", {"post": "yes"})

    events = trail.events()
    assert [e.action for e in events] == ["admin.delete"] * 3
    assert {e.subject_id for e in events} == {str(first.pk), str(second.pk), str(third.pk)}
    assert all(e.actor == superuser for e in events)
    assert not User.objects.filter(pk__in=[first.pk, second.pk, third.pk]).exists()


def test_a_campaign_change_page_edit_is_the_services_one_event(client, superuser):
    """The campaign admin saves through campaign_update, which records the edit:
    one event, not a second "admin.change" beside it."""
    campaign = make_campaign(status="active", description="Old words.")
    client.force_login(superuser)
    trail = Trail()

    response = client.post(
        f"/admin/campaigns/campaign/{campaign.pk}/change/",
        {
            "name": campaign.name,
            "description": "New words.",
            "target_amount": "1000.00",
            "start_date": campaign.start_date.isoformat(),
            "end_date": campaign.end_date.isoformat(),
            "donations-TOTAL_FORMS": "0",
            "donations-INITIAL_FORMS": "0",
            "donations-MIN_NUM_FORMS": "0",
            "donations-MAX_NUM_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content[:3000]
    event = trail.only()
    assert (event.action, event.actor) == ("campaign.updated", superuser)
    assert event.changes == {"description": ["Old words.", "New words."]}


def test_a_price_added_in_the_admin_is_the_services_one_event(client, superuser):
    client.force_login(superuser)
    trail = Trail()

    response = client.post(
        "/admin/zakat/metalprice/add/",
        {"gold_price_per_gram": "98.00", "silver_price_per_gram": "1.20"},
    )

    assert response.status_code == 302, response.content[:2000]
    event = trail.only()
    assert (event.action, event.actor) == ("metal_price.entered", superuser)
    assert event.changes["gold_price_per_gram"] == "98.00"


def test_zakat_records_deleted_in_the_admin_are_the_services_one_event_each(client, superuser):
    first, second, third = ZakatRecordFactory(), ZakatRecordFactory(), ZakatRecordFactory()
    client.force_login(superuser)
    trail = Trail()

    client.post(
        "/admin/zakat/zakatrecord/",
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    client.post(f"/admin/zakat/zakatrecord/{third.pk}/delete/", {"post": "yes"})

    events = trail.events()
    assert [e.action for e in events] == ["zakat_record.deleted"] * 3
    assert {e.subject_id for e in events} == {str(first.pk), str(second.pk), str(third.pk)}
    assert not ZakatRecord.objects.filter(pk__in=[first.pk, second.pk, third.pk]).exists()


def test_second_factor_events_name_the_actor_and_the_person():
    """Enrolment, a wrong code, a recovery code, removal and an administrator's reset
    each leave one event; codes and secrets never enter the trail."""
    from freezegun import freeze_time

    from accounts.services import mfa
    from tests.accounts.mfa import code_at, enrol

    person, admin, checker = (
        staff_with("finance"),
        staff_with("administrator"),
        staff_with("administrator"),
    )
    with freeze_time("2026-03-01 10:00:00") as clock:
        trail = Trail()
        device, codes = enrol(person)
        enrolled = trail.only("mfa.")
        trail = Trail()
        with pytest.raises(DomainError):
            mfa.mfa_verify(user=person, code="000000")
        failed = trail.only("mfa.")
        trail = Trail()
        mfa.mfa_verify(user=person, code=codes[0])
        recovered = trail.only("mfa.")
        clock.tick(60)
        trail = Trail()
        mfa.mfa_remove(user=person, password="correct-horse-battery-staple", code=code_at(device))
        removed = trail.only("mfa.")
        enrol(person)
    from staff import services as staff_services

    approval = staff_services.mfa_reset_request(user=person, reason="Lost phone", by=admin).approval
    trail = Trail()
    staff_services.approval_approve(approval=approval, by=checker)
    reset = trail.only("mfa.")

    assert [e.action for e in (enrolled, failed, recovered, removed, reset)] == [
        "mfa.enrolled",
        "mfa.failed",
        "mfa.recovery_code_used",
        "mfa.removed",
        "mfa.reset",
    ]
    assert all(
        e.subject_id == str(person.pk) for e in (enrolled, failed, recovered, removed, reset)
    )
    assert reset.actor_id == checker.pk
    assert reset.changes["approval_id"] == str(approval.pk)
    logged = " ".join(str(e.changes) for e in AuditEvent.objects.all())
    assert codes[0] not in logged
    assert mfa.totp_secret(device) not in logged


# --- zakat al-fitr rates and campaign zakat eligibility -----------------------------------


def test_setting_and_correcting_a_fitr_rate_is_audited_and_a_refusal_is_not(officer):
    year = zakat_selectors.fitr_current_year()
    trail = Trail()

    rate = zakat.fitr_rate_set(hijri_year=year, amount_per_person=Decimal("9.00"), by=officer)
    set_event = trail.only("fitr_rate.")
    with pytest.raises(DomainError):
        zakat.fitr_rate_set(hijri_year=year, amount_per_person=Decimal("9.50"), by=officer)
    with pytest.raises(NotAllowed):
        zakat.fitr_rate_set(
            hijri_year=year, amount_per_person=Decimal("9.50"), by=staff_with("loan_officer")
        )
    assert len(trail.events("fitr_rate.")) == 1
    zakat.fitr_rate_set(
        hijri_year=year, amount_per_person=Decimal("9.50"), by=officer, replace=True
    )

    updated = trail.events("fitr_rate.")[-1]
    assert (set_event.action, set_event.actor_id) == ("fitr_rate.set", officer.pk)
    assert _subject(set_event, rate)
    assert (updated.action, updated.changes) == (
        "fitr_rate.updated",
        {"amount_per_person": ["9.00", "9.50"]},
    )


def test_making_a_campaign_zakat_eligible_is_audited_and_never_on_ones_own(manager):
    own = make_campaign(organizer=manager, status="draft")
    campaign = make_campaign(status="draft")
    trail = Trail()

    with pytest.raises(NotAllowed):  # 403 conflict_of_interest
        campaigns.campaign_update(campaign=own, by=manager, zakat_eligible=True)
    campaigns.campaign_update(campaign=campaign, by=manager, zakat_eligible=True)

    event = trail.only()
    assert (event.action, event.actor_id) == ("campaign.updated", manager.pk)
    assert event.changes == {"zakat_eligible": [False, True]}
