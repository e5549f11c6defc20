"""Cases and disbursements: the rules of the services, with four-eyes on the outflow."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts import selectors as account_selectors
from accounts.services import InsufficientFunds, zakat_fund_account
from config.errors import ConflictOfInterest, InvalidTransition, NotAllowed, NotFound
from distribution import services
from distribution.models import ZakatCase, ZakatDisbursement
from staff.errors import ApprovalNotPending, FourEyesRequired
from staff.models import Approval, AuditEvent
from staff.services.approvals import approval_approve
from tests.distribution.factories import (
    approved_case,
    finance,
    fund_fitr,
    fund_zakat,
    officer,
    submitted_case,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _request(case, by, amount="100.00", method="wallet", **kw):
    return services.zakat_disbursement_request(
        case=case, by=by, amount=Decimal(amount), method=method, **kw
    )


# --- Cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("household_size", 0),
        ("household_size", 51),
        ("monthly_income", Decimal("-1.00")),
        ("amount_requested", Decimal("0")),
        ("need_description", "   "),
    ],
)
def test_an_application_out_of_range_is_refused(field, value):
    fields = {
        "household_size": 3,
        "monthly_income": Decimal("0"),
        "need_description": "Food",
        "amount_requested": Decimal("100.00"),
        field: value,
    }
    with pytest.raises(ValidationError) as caught:
        services.zakat_case_submit(by=UserFactory(), **fields)
    assert field in caught.value.message_dict
    assert not ZakatCase.objects.exists()


def test_a_person_applies_for_themselves_and_income_may_be_zero():
    person = UserFactory(name="Amina")
    case = submitted_case(person, monthly_income=Decimal("0"))
    assert case.applicant == person
    assert case.beneficiary_name == "Amina"
    assert case.status == "submitted"
    assert case.asnaf_category is None


def test_an_officer_enters_a_case_for_someone_without_an_account():
    staff = officer()
    case = submitted_case(staff, beneficiary_name="Yusuf Ali")
    assert case.applicant is None
    assert case.beneficiary_name == "Yusuf Ali"
    assert case.entered_by == staff
    assert AuditEvent.objects.filter(action="zakat_case.entered", subject_id=str(case.pk)).exists()


def test_only_officers_enter_cases_for_someone_else():
    with pytest.raises(NotAllowed):
        submitted_case(UserFactory(), beneficiary_name="X", for_someone_else=True)


def test_approve_names_a_category_and_an_amount_and_is_audited():
    staff = officer()
    case = services.zakat_case_approve(
        case=submitted_case(),
        by=staff,
        asnaf_category="gharimin",
        approved_amount=Decimal("250.00"),
        note="Debt letter seen",
    )
    assert (case.status, case.asnaf_category, case.approved_amount) == (
        "approved",
        "gharimin",
        Decimal("250.00"),
    )
    event = AuditEvent.objects.get(action="zakat_case.approved", subject_id=str(case.pk))
    assert event.actor == staff


def test_a_category_outside_the_eight_is_refused():
    with pytest.raises(ValidationError):
        services.zakat_case_approve(
            case=submitted_case(), by=officer(), asnaf_category="mosque", approved_amount="10"
        )


def test_reject_keeps_the_reason_for_the_applicant():
    case = services.zakat_case_reject(case=submitted_case(), by=officer(), reason="Income too high")
    assert case.status == "rejected"
    assert case.rejection_reason == "Income too high"


@pytest.mark.parametrize(
    "move",
    [
        lambda case: services.zakat_case_approve(
            case=case, by=officer(), asnaf_category="fuqara", approved_amount="10.00"
        ),
        lambda case: services.zakat_case_reject(case=case, by=officer(), reason="No"),
    ],
    ids=["approve", "reject"],
)
def test_a_decided_case_cannot_be_decided_again(move):
    case = approved_case()
    with pytest.raises(InvalidTransition):
        move(case)


def test_close_only_from_approved():
    case = approved_case()
    assert services.zakat_case_close(case=case, by=officer()).status == "closed"
    with pytest.raises(InvalidTransition):
        services.zakat_case_close(case=submitted_case(), by=officer())


def test_nobody_decides_their_own_case():
    staff = officer()
    own = submitted_case(staff)
    with pytest.raises(ConflictOfInterest):
        services.zakat_case_approve(
            case=own, by=staff, asnaf_category="fuqara", approved_amount="10.00"
        )
    with pytest.raises(ConflictOfInterest):
        services.zakat_case_reject(case=own, by=staff, reason="x")


def test_deciding_needs_the_permission_not_is_staff():
    with pytest.raises(NotAllowed):
        services.zakat_case_approve(
            case=submitted_case(),
            by=UserFactory(is_staff=True, roles=["finance"]),
            asnaf_category="fuqara",
            approved_amount="10.00",
        )


# --- Disbursements: four-eyes --------------------------------------------------------------


def test_a_disbursement_waits_for_a_second_person_then_pays_the_wallet(
    django_capture_on_commit_callbacks,
):
    fund_zakat("1000.00")
    person = UserFactory()
    case = approved_case(person, approved="300.00")
    maker, checker = officer(), finance()

    outcome = _request(case, maker, "300.00")
    assert outcome.pending
    assert account_selectors.wallet_balance(user=person) == 0
    with pytest.raises(FourEyesRequired):
        approval_approve(approval=outcome.approval, by=maker)

    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(approval=outcome.approval, by=checker)

    case.refresh_from_db()
    assert case.status == "disbursed"
    assert case.disbursed_amount == Decimal("300.00")
    assert account_selectors.wallet_balance(user=person) == Decimal("300.00")
    assert zakat_fund_account().balance == Decimal("700.00")
    paid = ZakatDisbursement.objects.get(case=case)
    assert (paid.approved_by, paid.requested_by, paid.category) == (checker, maker, "fuqara")
    assert paid.transaction.kind == "zakat_disbursement"
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert AuditEvent.objects.filter(action="zakat_case.disbursed").count() == 1
    with pytest.raises(ApprovalNotPending):
        approval_approve(approval=outcome.approval, by=checker)


def test_partial_payments_keep_the_case_approved_until_fully_paid(settings):
    settings.FOUR_EYES = []
    fund_zakat("1000.00")
    case = approved_case(approved="300.00")
    staff = officer()
    outcome = _request(case, staff, "100.00")
    assert not outcome.pending
    assert outcome.result.status == "approved"
    assert _request(case, staff, "200.00").result.status == "disbursed"


def test_more_than_approved_minus_disbursed_is_refused_when_asking_and_when_paying():
    fund_zakat("1000.00")
    case = approved_case(approved="300.00")
    staff, checker = officer(), finance()
    with pytest.raises(services.ExceedsApprovedAmount):
        _request(case, staff, "300.01")
    first, second = _request(case, staff, "200.00"), _request(case, staff, "200.00")
    approval_approve(approval=first.approval, by=checker)
    with pytest.raises(services.ExceedsApprovedAmount):
        approval_approve(approval=second.approval, by=checker)
    second.approval.refresh_from_db()
    assert second.approval.status == Approval.Status.PENDING
    case.refresh_from_db()
    assert case.disbursed_amount == Decimal("200.00")


def test_a_short_fund_is_402_when_asking_and_when_paying():
    case = approved_case(approved="300.00")
    with pytest.raises(InsufficientFunds):
        _request(case, officer(), "50.00")
    fund_zakat("50.00")
    outcome = _request(case, officer(), "50.00")
    other = approved_case(approved="50.00")
    services.zakat_disbursement_execute(
        case=other, by=officer(), amount=Decimal("50.00"), method="external"
    )
    with pytest.raises(InsufficientFunds):
        approval_approve(approval=outcome.approval, by=finance())
    assert zakat_fund_account().balance == 0


def test_a_case_without_an_account_is_paid_externally_only(settings):
    settings.FOUR_EYES = []
    fund_zakat("500.00")
    staff = officer()
    case = services.zakat_case_approve(
        case=submitted_case(staff, beneficiary_name="Stranded traveller"),
        by=officer(),
        asnaf_category="ibn_sabil",
        approved_amount=Decimal("80.00"),
    )
    with pytest.raises(ValidationError):
        _request(case, staff, "80.00", method="wallet")
    result = _request(case, staff, "80.00", method="external", reference="CASH-7").result
    assert result.status == "disbursed"
    assert ZakatDisbursement.objects.get(case=case).external_reference == "CASH-7"


def test_unapproved_cases_are_never_paid():
    fund_zakat("500.00")
    with pytest.raises(InvalidTransition):
        _request(submitted_case(), officer(), "10.00")


def test_nobody_pays_or_approves_their_own_case():
    fund_zakat("500.00")
    staff = officer()
    own = approved_case(staff)
    with pytest.raises(ConflictOfInterest):
        _request(own, staff, "10.00")
    checker = finance()
    theirs = approved_case(checker)
    outcome = _request(theirs, staff, "10.00")
    with pytest.raises(ConflictOfInterest):
        approval_approve(approval=outcome.approval, by=checker)


def test_the_fitr_fund_pays_a_case(settings):
    settings.FOUR_EYES = []
    fund_fitr("60.00")
    person = UserFactory()
    case = approved_case(person, approved="60.00", category="masakin")
    _request(case, officer(), "60.00", source="fitr")
    assert account_selectors.wallet_balance(user=person) == Decimal("60.00")
    assert ZakatDisbursement.objects.get(case=case).source == "fitr"


def test_a_campaign_source_needs_the_campaign_and_its_zakat(settings):
    from datetime import timedelta

    from django.utils import timezone

    from campaigns import services as campaign_services

    settings.FOUR_EYES = []
    case = approved_case(approved="60.00")
    with pytest.raises(NotFound):
        _request(case, officer(), "10.00", source="campaign", campaign_id=case.pk)
    today = timezone.localdate()
    campaign = campaign_services.campaign_create(
        organizer=UserFactory(),
        name="Winter food parcels",
        description="Food",
        target_amount=Decimal("1000.00"),
        start_date=today,
        end_date=today + timedelta(days=30),
    )
    with pytest.raises(InsufficientFunds):  # its zakat account is empty
        _request(case, officer(), "10.00", source="campaign", campaign_id=campaign.pk)


# --- The amilin cap ------------------------------------------------------------------------


def test_the_amilin_share_exactly_at_the_cap_is_allowed_one_cent_over_is_not(settings):
    settings.FOUR_EYES = []
    settings.ZAKAT_AMIL_SHARE = "12.5"
    fund_zakat("1000.00")  # cap: 125.00 this Hijri year
    collectors = approved_case(approved="200.00", category="amilin")
    staff = officer()
    with pytest.raises(services.AmilShareExceeded):
        _request(collectors, staff, "125.01")
    _request(collectors, staff, "125.00")
    with pytest.raises(services.AmilShareExceeded):
        _request(collectors, staff, "0.01")
    # Other categories are not capped.
    _request(approved_case(approved="300.00"), staff, "300.00")


def test_the_amilin_cap_is_checked_again_when_the_second_person_approves():
    fund_zakat("1000.00")
    staff, checker = officer(), finance()
    first = _request(approved_case(approved="100.00", category="amilin"), staff, "100.00")
    second = _request(approved_case(approved="100.00", category="amilin"), staff, "100.00")
    approval_approve(approval=first.approval, by=checker)
    with pytest.raises(services.AmilShareExceeded):
        approval_approve(approval=second.approval, by=checker)


# --- The audit trail ------------------------------------------------------------------------


def test_every_staff_write_on_a_case_leaves_one_event_and_a_refused_one_none(settings):
    settings.FOUR_EYES = []
    fund_zakat("100.00")
    staff = officer()
    rejected = services.zakat_case_reject(case=submitted_case(), by=staff, reason="Incomplete")
    approved = approved_case(approved="50.00", by=staff)
    services.zakat_disbursement_request(case=approved, by=staff, amount="20.00", method="wallet")
    services.zakat_case_close(case=approved, by=staff, reason="Moved away")
    for case, action in [
        (rejected, "zakat_case.rejected"),
        (approved, "zakat_case.approved"),
        (approved, "zakat_case.disbursed"),
        (approved, "zakat_case.closed"),
    ]:
        events = AuditEvent.objects.filter(action=action, subject_id=str(case.pk))
        assert [e.actor for e in events] == [staff], action
    count = AuditEvent.objects.count()
    with pytest.raises(InvalidTransition):
        services.zakat_case_close(case=approved, by=staff)
    assert AuditEvent.objects.count() == count
