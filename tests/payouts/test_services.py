"""Payout services: bank accounts, withdrawals, settlement, campaign payouts, checks."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.models import LedgerAccount, LedgerTransaction
from accounts.services import InsufficientFunds, ledger_verify
from campaigns import services as campaign_services
from campaigns.services import RefundNotPossible, donation_create
from config.errors import ConflictOfInterest, InvalidTransition, NotAllowed
from payouts import crypto, services
from payouts.models import Payout, PayoutAccount
from payouts.reconciliation import reconcile
from payouts.selectors import campaign_paid_out
from staff.errors import FourEyesRequired
from staff.models import Approval
from staff.services import approval_approve, approval_reject
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory
from tests.payouts.factories import IBAN, IBAN_SPACED, OTHER_IBAN, funded_user, payout_account
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db

DEFERRED = "tests.payouts.gateways.DeferredPayoutGateway"


def in_transit() -> Decimal:
    account = LedgerAccount.objects.filter(key=services.IN_TRANSIT_KEY).first()
    return account.balance if account else Decimal("0.00")


def wallet(user) -> Decimal:
    return account_selectors.wallet_balance(user=user)


# --- bank accounts -----------------------------------------------------------------------


def test_an_iban_is_stored_encrypted_and_shown_masked():
    user = UserFactory()

    account = payout_account(user, iban=IBAN_SPACED)

    assert account.iban_masked == "DE** **** **** 3000"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT iban_encrypted, iban_hash FROM payouts_payoutaccount WHERE id = %s",
            [account.pk.hex if connection.vendor == "sqlite" else account.pk],
        )
        ciphertext, digest = cursor.fetchone()
    assert IBAN not in ciphertext
    assert "0532013000" not in ciphertext
    assert IBAN not in digest
    assert crypto.decrypt(ciphertext) == IBAN


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("DE89370400440532013001", "check digits"),  # checksum
        ("XX89370400440532013000", "not a country"),  # unknown country
        ("DE8937040044053201300", "length"),  # one character short
        ("DE89 3704 0044 0532 0130 0000", "length"),  # too long
        ("not an iban", "Enter an IBAN"),
        ("", "Enter an IBAN"),
    ],
)
def test_bad_ibans_are_refused_clearly_and_nothing_is_written(value, why):
    user = UserFactory()

    with pytest.raises(ValidationError) as caught:
        payout_account(user, iban=value)

    assert why in str(caught.value.message_dict["iban"])
    assert value.replace(" ", "") not in str(caught.value) or not value
    assert PayoutAccount.objects.count() == 0


def test_the_same_iban_twice_is_refused_but_another_person_may_save_it():
    user, other = UserFactory(), UserFactory()
    payout_account(user)

    with pytest.raises(ValidationError):
        payout_account(user, iban=IBAN_SPACED)
    payout_account(other)

    assert PayoutAccount.objects.count() == 2


def test_deleting_an_account_used_by_a_withdrawal_keeps_it_marked_removed(
    django_capture_on_commit_callbacks,
):
    user, account = funded_user("100.00")
    spare = payout_account(user, iban=OTHER_IBAN)
    with django_capture_on_commit_callbacks(execute=True):
        services.withdrawal_create(user=user, amount="10.00", payout_account=account)

    services.payout_account_delete(account=account, by=user)
    services.payout_account_delete(account=spare, by=user)

    account.refresh_from_db()
    assert account.deleted_at is not None
    assert not PayoutAccount.objects.filter(pk=spare.pk).exists()


def test_nobody_deletes_someone_elses_account():
    account = payout_account(UserFactory())

    with pytest.raises(NotAllowed):
        services.payout_account_delete(account=account, by=UserFactory())

    account.refresh_from_db()
    assert account.deleted_at is None


# --- withdrawals -------------------------------------------------------------------------


def test_a_withdrawal_under_the_limit_is_paid_by_the_sandbox(
    django_capture_on_commit_callbacks, mailoutbox
):
    user, account = funded_user("500.00")

    with django_capture_on_commit_callbacks(execute=True):
        payout = services.withdrawal_create(user=user, amount="200.00", payout_account=account)
        assert wallet(user) == Decimal("300.00")  # dropped at once
        assert in_transit() == Decimal("200.00")

    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert payout.gateway == "sandbox"
    assert in_transit() == Decimal("0.00")
    assert wallet(user) == Decimal("300.00")
    assert list(
        LedgerTransaction.objects.filter(
            kind__in=["withdrawal", "payout", "payout_return"]
        ).values_list("kind", flat=True)
    ) == ["payout", "withdrawal"]
    assert [m.subject for m in mailoutbox] == ["Your payout has been paid"]
    assert IBAN not in mailoutbox[0].body
    assert ledger_verify().problems == []


def test_a_short_wallet_is_402_and_nothing_is_written():
    user, account = funded_user("50.00")

    with pytest.raises(InsufficientFunds):
        services.withdrawal_create(user=user, amount="50.01", payout_account=account)

    assert Payout.objects.count() == 0
    assert wallet(user) == Decimal("50.00")
    assert in_transit() == Decimal("0.00")


@pytest.mark.parametrize("amount", ["0", "-5", "1.001", "NaN", "Infinity", "abc"])
def test_bad_amounts_are_refused(amount):
    user, account = funded_user("50.00")

    with pytest.raises(ValidationError):
        services.withdrawal_create(user=user, amount=amount, payout_account=account)

    assert Payout.objects.count() == 0


def test_someone_elses_bank_account_is_refused_and_nothing_is_written():
    user, _ = funded_user("50.00")
    stranger_account = payout_account(UserFactory(), iban=OTHER_IBAN)

    with pytest.raises(NotAllowed):
        services.withdrawal_create(user=user, amount="10.00", payout_account=stranger_account)

    assert Payout.objects.count() == 0
    assert wallet(user) == Decimal("50.00")


def test_above_the_limit_finance_approves_and_the_money_waits_in_transit(
    django_capture_on_commit_callbacks,
):
    user, account = funded_user("5000.00")
    finance = staff_with("finance")

    with django_capture_on_commit_callbacks(execute=True):
        payout = services.withdrawal_create(user=user, amount="1500.00", payout_account=account)

    assert payout.status == Payout.Status.PENDING_APPROVAL
    assert wallet(user) == Decimal("3500.00")
    assert in_transit() == Decimal("1500.00")
    approval = Approval.objects.get(pk=payout.approval_id)
    assert (approval.kind, approval.amount, approval.subject_id) == (
        "withdrawal",
        Decimal("1500.00"),
        str(payout.pk),
    )
    assert ledger_verify().problems == []
    with pytest.raises(FourEyesRequired):
        approval_approve(approval=approval, by=user)
    with pytest.raises(NotAllowed):
        approval_approve(approval=approval, by=staff_with("campaign_manager"))

    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(approval=approval, by=finance)

    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert in_transit() == Decimal("0.00")
    assert wallet(user) == Decimal("3500.00")


def test_finance_never_approves_their_own_withdrawal():
    finance_owner = staff_with("finance")
    from tests.factories import fund_wallet

    fund_wallet(finance_owner, "2000.00")
    account = payout_account(finance_owner)
    payout = services.withdrawal_create(
        user=finance_owner, amount="1500.00", payout_account=account
    )
    approval = Approval.objects.get(pk=payout.approval_id)

    with pytest.raises((FourEyesRequired, ConflictOfInterest)):
        approval_approve(approval=approval, by=finance_owner)
    # a colleague from finance who is not the owner may
    approval_approve(approval=approval, by=staff_with("finance"))


@pytest.mark.parametrize("who", ["finance", "requester"])
def test_a_rejected_withdrawal_returns_the_money_once(who):
    user, account = funded_user("2000.00")
    payout = services.withdrawal_create(user=user, amount="1500.00", payout_account=account)
    approval = Approval.objects.get(pk=payout.approval_id)
    by = staff_with("finance") if who == "finance" else user

    approval_reject(approval=approval, by=by, reason="Please use a smaller amount")

    payout.refresh_from_db()
    assert payout.status == Payout.Status.REJECTED
    assert wallet(user) == Decimal("2000.00")
    assert in_transit() == Decimal("0.00")
    assert LedgerTransaction.objects.filter(kind="payout_return").count() == 1
    with pytest.raises(Exception):  # noqa: B017, PT011 - approval_not_pending
        approval_reject(approval=approval, by=by, reason="again")
    assert wallet(user) == Decimal("2000.00")
    assert ledger_verify().problems == []


def test_without_withdrawal_in_four_eyes_a_large_withdrawal_goes_at_once(
    settings, django_capture_on_commit_callbacks
):
    settings.FOUR_EYES = [k for k in settings.FOUR_EYES if k != "withdrawal"]
    user, account = funded_user("2000.00")

    with django_capture_on_commit_callbacks(execute=True):
        payout = services.withdrawal_create(user=user, amount="1500.00", payout_account=account)

    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert Approval.objects.count() == 0


# --- the provider -------------------------------------------------------------------------


def test_a_pending_payout_settles_once_by_its_verdict(settings, django_capture_on_commit_callbacks):
    settings.PAYOUT_GATEWAY = DEFERRED
    user, account = funded_user("100.00")
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.withdrawal_create(user=user, amount="60.00", payout_account=account)
    payout.refresh_from_db()
    assert (payout.status, payout.gateway) == ("processing", "deferred")
    assert payout.provider_reference == f"po-{payout.pk}"

    services.payout_settle(payout=payout, paid=False, failure_reason="account closed")
    with pytest.raises(services.PayoutNotInTransit):
        services.payout_settle(payout=payout, paid=False)
    with pytest.raises(services.PayoutNotInTransit):
        services.payout_settle(payout=payout, paid=True)

    payout.refresh_from_db()
    assert payout.status == Payout.Status.FAILED
    assert wallet(user) == Decimal("100.00")  # back, exactly once
    assert LedgerTransaction.objects.filter(kind="payout_return").count() == 1
    assert ledger_verify().problems == []


def test_a_payout_the_provider_fails_at_once_comes_back(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.PAYOUT_GATEWAY = "tests.payouts.gateways.FailingPayoutGateway"
    user, account = funded_user("100.00")

    with django_capture_on_commit_callbacks(execute=True):
        payout = services.withdrawal_create(user=user, amount="60.00", payout_account=account)

    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == ("failed", "account closed")
    assert wallet(user) == Decimal("100.00")
    assert [m.subject for m in mailoutbox] == ["Your payout could not be paid"]


def test_a_provider_error_leaves_it_in_transit_for_the_stuck_check(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.PAYOUT_GATEWAY = "tests.payouts.gateways.BrokenPayoutGateway"
    user, account = funded_user("100.00")
    staff_with("finance", email="finance@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.withdrawal_create(user=user, amount="60.00", payout_account=account)
    payout.refresh_from_db()
    assert payout.status == "processing"
    assert payout.sent_at is not None
    assert services.payout_send(payout_id=payout.pk) is None  # never sent twice

    Payout.objects.filter(pk=payout.pk).update(created_at=timezone.now() - timedelta(days=2))
    out = StringIO()
    call_command("check_stuck_payouts", stdout=out)

    assert "1 payout(s) stuck" in out.getvalue()
    assert mailoutbox[-1].to == ["finance@example.org"]
    assert str(payout.pk) in mailoutbox[-1].body
    assert ledger_verify().problems == []


def test_ledger_verify_finds_an_in_transit_account_that_disagrees_with_the_payouts(
    settings, django_capture_on_commit_callbacks
):
    settings.PAYOUT_GATEWAY = DEFERRED
    user, account = funded_user("100.00")
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.withdrawal_create(user=user, amount="60.00", payout_account=account)

    Payout.objects.filter(pk=payout.pk).update(amount=Decimal("61.00"))  # a bad hand-edit

    problems = ledger_verify().problems
    assert any("payouts_in_transit_fund" in p for p in problems), problems


# --- campaign payouts ---------------------------------------------------------------------


def _funded_campaign(amount="800.00"):
    organizer = UserFactory()
    campaign = make_campaign(organizer=organizer)
    donor = funded_donor(amount)
    donation = donation_create(donor=donor, campaign=campaign, amount=Decimal(amount))
    return campaign, organizer, donation


def test_a_campaign_payout_is_asked_approved_by_finance_and_paid(
    django_capture_on_commit_callbacks,
):
    campaign, organizer, _ = _funded_campaign()
    finance = staff_with("finance")

    outcome = services.campaign_payout_request(
        campaign=campaign, by=organizer, amount="500.00", payee_name="Well builders Ltd"
    )
    assert outcome.pending
    assert campaign_services.campaign_fund_account(campaign=campaign).balance == Decimal("800.00")
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(approval=outcome.approval, by=finance)

    payout = Payout.objects.get(campaign=campaign)
    assert payout.status == Payout.Status.PAID
    assert campaign_services.campaign_fund_account(campaign=campaign).balance == Decimal("300.00")
    assert campaign_paid_out(campaign=campaign) == Decimal("500.00")
    assert ledger_verify().problems == []


def test_an_organizer_in_finance_never_approves_a_payout_of_their_campaign():
    organizer = staff_with("finance")
    campaign = make_campaign(organizer=organizer)
    donation_create(donor=funded_donor("100.00"), campaign=campaign, amount=Decimal("100.00"))
    outcome = services.campaign_payout_request(
        campaign=campaign, by=staff_with("campaign_manager"), amount="50.00", payee_name="Payee"
    )

    with pytest.raises(ConflictOfInterest):
        approval_approve(approval=outcome.approval, by=organizer)
    assert Payout.objects.count() == 0


def test_a_campaign_payout_beyond_the_fund_is_402_when_asked_and_when_approved():
    campaign, organizer, donation = _funded_campaign("300.00")

    with pytest.raises(InsufficientFunds):
        services.campaign_payout_request(
            campaign=campaign, by=organizer, amount="300.01", payee_name="Too much"
        )
    outcome = services.campaign_payout_request(
        campaign=campaign, by=organizer, amount="300.00", payee_name="All of it"
    )
    campaign_services.donation_refund(donation=donation, by=staff_with("finance"))

    with pytest.raises(InsufficientFunds):
        approval_approve(approval=outcome.approval, by=staff_with("finance"))
    outcome.approval.refresh_from_db()
    assert outcome.approval.status == "pending"
    assert Payout.objects.count() == 0


def test_a_refund_after_a_payout_keeps_refund_not_possible(django_capture_on_commit_callbacks):
    campaign, organizer, donation = _funded_campaign("300.00")
    outcome = services.campaign_payout_request(
        campaign=campaign, by=organizer, amount="200.00", payee_name="Builders"
    )
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(approval=outcome.approval, by=staff_with("finance"))

    with pytest.raises(RefundNotPossible):
        campaign_services.donation_refund(donation=donation, by=staff_with("finance"))


def test_only_the_organizer_a_campaign_manager_or_finance_may_ask():
    campaign, _, _ = _funded_campaign()

    with pytest.raises(NotAllowed):
        services.campaign_payout_request(
            campaign=campaign, by=UserFactory(), amount="1.00", payee_name="Me"
        )
    for role in ("campaign_manager", "finance"):
        outcome = services.campaign_payout_request(
            campaign=campaign, by=staff_with(role), amount="1.00", payee_name="Payee"
        )
        assert outcome.pending


def test_a_failed_campaign_payout_returns_to_the_fund(settings, django_capture_on_commit_callbacks):
    settings.PAYOUT_GATEWAY = "tests.payouts.gateways.FailingPayoutGateway"
    campaign, organizer, _ = _funded_campaign("300.00")
    outcome = services.campaign_payout_request(
        campaign=campaign, by=organizer, amount="200.00", payee_name="Builders"
    )
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(approval=outcome.approval, by=staff_with("finance"))

    assert Payout.objects.get().status == "failed"
    assert campaign_services.campaign_fund_account(campaign=campaign).balance == Decimal("300.00")
    assert campaign_paid_out(campaign=campaign) == Decimal("0.00")


def test_approving_a_withdrawal_that_is_no_longer_pending_is_refused():
    user, account = funded_user("2000.00")
    payout = services.withdrawal_create(user=user, amount="1500.00", payout_account=account)
    Payout.objects.filter(pk=payout.pk).update(status="processing")

    with pytest.raises(InvalidTransition):
        approval_approve(approval=Approval.objects.get(pk=payout.approval_id), by=staff_with("finance"))  # fmt: skip


# --- reconciliation -----------------------------------------------------------------------


def test_reconciliation_reports_every_kind_of_difference(
    tmp_path, django_capture_on_commit_callbacks
):
    user, account = funded_user("500.00")
    with django_capture_on_commit_callbacks(execute=True):
        a = services.withdrawal_create(user=user, amount="10.00", payout_account=account)
        b = services.withdrawal_create(user=user, amount="20.00", payout_account=account)
        c = services.withdrawal_create(user=user, amount="30.00", payout_account=account)
    for p in (a, b, c):
        p.refresh_from_db()
    clean = f"reference,amount,status\n{a.provider_reference},10.00,paid\n"
    clean += f"{b.provider_reference},20.00,paid\n{c.provider_reference},30.00,paid\n"
    assert reconcile(clean).clean

    messy = (
        "reference,amount,status\n"
        f"{a.provider_reference},10.00,paid\n"
        f"{b.provider_reference},25.00,paid\n"
        "sandbox-unknown,5.00,paid\n"
    )
    report = reconcile(messy)
    assert len(report.matched) == 1
    assert len(report.mismatched) == 1
    assert "25.00" in report.mismatched[0]
    assert report.missing_ours == ["sandbox-unknown 5.00 paid"]
    assert len(report.missing_theirs) == 1
    assert c.provider_reference in report.missing_theirs[0]

    path = tmp_path / "report.csv"
    path.write_text(messy)
    with pytest.raises(CommandError):
        call_command("reconcile_payouts", str(path), stdout=StringIO())
    path.write_text(clean)
    out = StringIO()
    call_command("reconcile_payouts", str(path), stdout=out)
    assert "matches" in out.getvalue()
