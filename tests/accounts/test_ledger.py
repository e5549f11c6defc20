"""Posting rules of the ledger service and the database guards behind them."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from accounts import services
from accounts.models import LedgerAccount, LedgerEntry, LedgerTransaction
from accounts.services import Leg

pytestmark = pytest.mark.django_db

D = Decimal


def fund(user, amount: str) -> LedgerAccount:
    wallet = services.wallet_get_or_create(user=user)
    services.ledger_post(
        kind="top_up",
        legs=[Leg(wallet, D(amount)), Leg(services.external_account(), -D(amount))],
        reference="test funding",
    )
    wallet.refresh_from_db()
    return wallet


def entries_sum() -> Decimal:
    return sum((e.amount for e in LedgerEntry.objects.all()), D(0))


# --- posting rules ------------------------------------------------------------------------


def test_balanced_posting_moves_money_and_records_running_balances(user, other_user):
    a = fund(user, "100.00")
    b = services.wallet_get_or_create(user=other_user)

    txn = services.ledger_post(
        kind="adjustment", legs=[Leg(a, D("-30.25")), Leg(b, D("30.25"))], reference="move"
    )

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.balance, b.balance) == (D("69.75"), D("30.25"))
    legs = {e.account_id: (e.amount, e.balance_after) for e in txn.entries.all()}
    assert legs == {a.pk: (D("-30.25"), D("69.75")), b.pk: (D("30.25"), D("30.25"))}
    assert entries_sum() == 0


def test_unbalanced_posting_is_refused(user):
    wallet = services.wallet_get_or_create(user=user)

    with pytest.raises(services.LedgerError, match="sum to zero"):
        services.ledger_post(
            kind="top_up",
            legs=[Leg(wallet, D("10.00")), Leg(services.external_account(), D("-9.99"))],
            reference="bad",
        )

    assert not LedgerTransaction.objects.exists()


def test_zero_leg_is_refused(user):
    wallet = services.wallet_get_or_create(user=user)

    with pytest.raises(services.LedgerError, match="zero"):
        services.ledger_post(
            kind="top_up",
            legs=[Leg(wallet, D("0")), Leg(services.external_account(), D("0"))],
            reference="nothing",
        )


def test_fractional_cents_are_refused(user):
    wallet = services.wallet_get_or_create(user=user)

    with pytest.raises(services.LedgerError, match="cents"):
        services.ledger_post(
            kind="top_up",
            legs=[Leg(wallet, D("0.005")), Leg(services.external_account(), D("-0.005"))],
            reference="dust",
        )


def test_single_leg_and_repeated_account_are_refused(user):
    wallet = services.wallet_get_or_create(user=user)

    with pytest.raises(services.LedgerError, match="two legs"):
        services.ledger_post(kind="top_up", legs=[Leg(wallet, D("1"))], reference="x")
    with pytest.raises(services.LedgerError, match="once"):
        services.ledger_post(
            kind="top_up", legs=[Leg(wallet, D("1")), Leg(wallet, D("-1"))], reference="x"
        )


def test_wallet_cannot_go_below_zero(user, other_user):
    a = fund(user, "10.00")
    b = services.wallet_get_or_create(user=other_user)

    with pytest.raises(services.InsufficientFunds) as caught:
        services.ledger_post(
            kind="donation", legs=[Leg(a, D("-10.01")), Leg(b, D("10.01"))], reference="too much"
        )

    assert caught.value.extra == {"available_amount": "10.00", "required_amount": "10.01"}
    a.refresh_from_db()
    assert a.balance == D("10.00")
    assert LedgerTransaction.objects.count() == 1  # only the funding


def test_wallet_can_be_emptied_exactly(user, other_user):
    a = fund(user, "10.00")
    b = services.wallet_get_or_create(user=other_user)

    services.ledger_post(
        kind="donation", legs=[Leg(a, D("-10.00")), Leg(b, D("10.00"))], reference="all of it"
    )

    a.refresh_from_db()
    assert a.balance == 0


def test_outside_world_may_run_negative(user):
    fund(user, "5.00")

    assert services.external_account().balance == D("-5.00")


def test_one_wallet_per_user(user):
    first = services.wallet_get_or_create(user=user)

    assert services.wallet_get_or_create(user=user) == first
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.create(
            kind="wallet", key="wallet:dup", name="dup", owner=user, currency="USD"
        )


# --- reversals ---------------------------------------------------------------------------


def test_reversal_undoes_with_a_new_transaction(user, staff_user):
    fund(user, "50.00")
    original = LedgerTransaction.objects.get()

    reversal = services.ledger_reverse(original=original, reason="card charged back", by=staff_user)

    wallet = services.wallet_get_or_create(user=user)
    assert wallet.balance == 0
    assert reversal.reverses == original
    assert reversal.memo == "card charged back"
    assert reversal.created_by == staff_user
    assert LedgerEntry.objects.count() == 4  # nothing edited or deleted
    assert entries_sum() == 0


def test_reversal_needs_a_reason(user):
    fund(user, "50.00")

    with pytest.raises(ValidationError):
        services.ledger_reverse(original=LedgerTransaction.objects.get(), reason="  ")


def test_reasons_are_capped_and_the_database_holds_the_cap(user, staff_user):
    a = fund(user, "10.00")
    top_up = LedgerTransaction.objects.get()

    with pytest.raises(ValidationError) as reversal:
        services.ledger_reverse(original=top_up, reason="x" * 1001, by=staff_user)
    with pytest.raises(ValidationError) as adjustment:
        services.wallet_adjust(user=user, amount=D("1.00"), reason="x" * 1001, by=staff_user)

    assert "reason" in reversal.value.message_dict
    assert "reason" in adjustment.value.message_dict
    assert LedgerTransaction.objects.count() == 1
    a.refresh_from_db()
    assert a.balance == D("10.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerTransaction.objects.filter(pk=top_up.pk).update(memo="x" * 1001)


def test_transaction_is_reversed_at_most_once(user):
    fund(user, "50.00")
    original = LedgerTransaction.objects.get()
    services.ledger_reverse(original=original, reason="once")

    with pytest.raises(services.AlreadyReversed):
        services.ledger_reverse(original=original, reason="twice")
    assert LedgerTransaction.objects.count() == 2


def test_reversal_cannot_overdraw_a_wallet(user, other_user):
    a = fund(user, "50.00")
    topup = LedgerTransaction.objects.get()
    b = services.wallet_get_or_create(user=other_user)
    services.ledger_post(
        kind="donation", legs=[Leg(a, D("-40.00")), Leg(b, D("40.00"))], reference="spent"
    )

    with pytest.raises(services.InsufficientFunds):
        services.ledger_reverse(original=topup, reason="chargeback")


def test_a_reversal_is_not_reversed(user):
    fund(user, "50.00")
    reversal = services.ledger_reverse(original=LedgerTransaction.objects.get(), reason="x")

    with pytest.raises(services.LedgerError):
        services.ledger_reverse(original=reversal, reason="y")


# --- adjustments -------------------------------------------------------------------------


def test_adjustment_credits_and_debits_with_reason(user, staff_user):
    services.wallet_adjust(user=user, amount=D("12.50"), reason="goodwill", by=staff_user)
    services.wallet_adjust(user=user, amount=D("-2.50"), reason="correction", by=staff_user)

    wallet = services.wallet_get_or_create(user=user)
    assert wallet.balance == D("10.00")
    assert list(LedgerTransaction.objects.order_by("created_at").values_list("kind", "memo")) == [
        ("adjustment", "goodwill"),
        ("adjustment", "correction"),
    ]


@pytest.mark.parametrize(("amount", "reason"), [("10", ""), ("0", "x"), ("0.001", "x")])
def test_adjustment_validation(user, staff_user, amount, reason):
    with pytest.raises(ValidationError):
        services.wallet_adjust(user=user, amount=D(amount), reason=reason, by=staff_user)
    assert not LedgerTransaction.objects.exists()


# --- database guards -----------------------------------------------------------------------


def test_database_refuses_zero_entry(user):
    wallet = fund(user, "5.00")
    txn = LedgerTransaction.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(transaction=txn, account=wallet, amount=0, balance_after=5)


def test_database_refuses_negative_wallet_balance(user):
    wallet = fund(user, "5.00")

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=wallet.pk).update(balance=D("-0.01"))


def test_database_refuses_editing_an_entry(user):
    fund(user, "5.00")

    with pytest.raises(Exception, match="never changed"), transaction.atomic():
        LedgerEntry.objects.update(amount=D("6.00"))
    assert LedgerEntry.objects.filter(amount=D("5.00")).exists()


@pytest.mark.postgres
def test_postgres_refuses_deleting_an_entry(user):
    fund(user, "5.00")

    with pytest.raises(Exception, match="never changed or deleted"), transaction.atomic():
        LedgerEntry.objects.all().delete()


@pytest.mark.postgres
def test_postgres_refuses_to_commit_an_unbalanced_transaction(user):
    wallet = services.wallet_get_or_create(user=user)

    def forge_and_commit():
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(kind="top_up", reference="forged")
            LedgerEntry.objects.create(transaction=txn, account=wallet, amount=5, balance_after=5)
            with connection.cursor() as cursor:  # what COMMIT would do
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with pytest.raises(IntegrityError, match="does not balance"):
        forge_and_commit()
    assert not LedgerTransaction.objects.filter(reference="forged").exists()


@pytest.mark.postgres
def test_postgres_accepts_a_balanced_transaction_at_commit(user):
    fund(user, "5.00")

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # raises if anything is unbalanced


# --- ledger_verify ---------------------------------------------------------------------------


def test_ledger_verify_passes_on_a_healthy_ledger(user, other_user):
    a = fund(user, "20.00")
    b = services.wallet_get_or_create(user=other_user)
    services.ledger_post(kind="donation", legs=[Leg(a, D("-5")), Leg(b, D("5"))], reference="x")
    out = StringIO()

    call_command("ledger_verify", stdout=out)

    assert "consistent" in out.getvalue()


def test_ledger_verify_reports_a_tampered_balance(user):
    wallet = fund(user, "20.00")
    LedgerAccount.objects.filter(pk=wallet.pk).update(balance=D("999.00"))
    err = StringIO()

    with pytest.raises(CommandError, match="inconsistent"):
        call_command("ledger_verify", stdout=StringIO(), stderr=err)

    assert f"{wallet.key}: cached balance 999.00 but its entries sum to 20.00" in err.getvalue()


def test_ledger_verify_reports_an_unbalanced_transaction(user):
    wallet = fund(user, "20.00")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Simulate rows written behind the triggers' back (a raw restore).
            cursor.execute("SET session_replication_role = replica")
        txn = LedgerTransaction.objects.create(kind="top_up", reference="forged")
        LedgerEntry.objects.create(transaction=txn, account=wallet, amount=5, balance_after=25)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("ledger_verify", stdout=StringIO(), stderr=err)

    report = err.getvalue()
    assert f"transaction {txn.pk} has 1 leg(s) summing to 5.00" in report
    assert "cached balance 20.00 but its entries sum to 25.00" in report


def test_ledger_verify_fails_with_exit_status_1(user):
    wallet = fund(user, "20.00")
    LedgerAccount.objects.filter(pk=wallet.pk).update(balance=D("1.00"))

    with pytest.raises(CommandError) as failed:
        call_command("ledger_verify", stdout=StringIO(), stderr=StringIO())

    assert failed.value.returncode == 1  # what manage.py exits with, for cron and monitors
