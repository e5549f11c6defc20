"""The admin: list screens, the read-only ledger, and the two ways staff move money
(a wallet adjustment and a reversal), both posted through the services."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts import services
from accounts.models import LedgerAccount, LedgerEntry, LedgerTransaction, TopUp
from staff.models import Approval
from staff.services import approval_approve as approve_approval
from tests.factories import UserFactory
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    client.user = superuser
    return client


@pytest.fixture
def funded(user):
    """A user whose wallet holds 40.00 from a sandbox top-up."""
    top_up = services.top_up_create(user=user, amount=Decimal("40.00"))
    assert top_up.status == TopUp.Status.SUCCEEDED
    return top_up


def wallet_of(user) -> LedgerAccount:
    return LedgerAccount.objects.get(kind=LedgerAccount.Kind.WALLET, owner=user)


def adjust_url(account) -> str:
    return reverse("admin:accounts_ledgeraccount_adjust", kwargs={"account_id": account.pk})


def reverse_url(txn) -> str:
    return reverse("admin:accounts_ledgertransaction_reverse", kwargs={"transaction_id": txn.pk})


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- changelists ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/admin/accounts/ledgeraccount/", {}),
        ("/admin/accounts/ledgeraccount/", {"q": "wallet"}),
        ("/admin/accounts/ledgeraccount/", {"kind__exact": "wallet"}),
        ("/admin/accounts/ledgeraccount/", {"q": "person", "currency__exact": "USD"}),
        ("/admin/accounts/ledgertransaction/", {}),
        ("/admin/accounts/ledgertransaction/", {"q": "sandbox"}),
        ("/admin/accounts/ledgertransaction/", {"q": "example.org"}),
        ("/admin/accounts/ledgertransaction/", {"kind__exact": "top_up"}),
        ("/admin/accounts/topup/", {}),
        ("/admin/accounts/topup/", {"q": "example.org"}),
        ("/admin/accounts/topup/", {"status__exact": "succeeded"}),
        ("/admin/accounts/topup/", {"gateway__exact": "sandbox"}),
        ("/admin/accounts/user/", {}),
        ("/admin/accounts/user/", {"q": "person"}),
        ("/admin/accounts/user/", {"is_staff__exact": "1"}),
        ("/admin/accounts/user/", {"is_active__exact": "1", "q": "example"}),
    ],
)
def test_changelists_load_with_search_and_filters(admin_client, funded, url, query):
    response = admin_client.get(url, query)

    # An unknown filter would redirect to ?e=1; a broken search would be a 500.
    assert response.status_code == 200, response.content[:500]
    assert response.context["cl"].result_count >= 1


def test_transaction_search_finds_rows_by_owner_email(admin_client, funded, other_user):
    services.top_up_create(user=other_user, amount=Decimal("5.00"))

    response = admin_client.get("/admin/accounts/ledgertransaction/", {"q": funded.user.email})

    assert response.status_code == 200
    results = list(response.context["cl"].result_list)
    assert results == [funded.ledger_transaction]


def test_user_changelist_search_by_email(admin_client, user, other_user):
    response = admin_client.get("/admin/accounts/user/", {"q": user.email.upper()})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [user]
    html = response.content.decode()
    assert user.email in html
    assert other_user.email not in html


def test_topup_changelist_filters_by_status(admin_client, funded):
    response = admin_client.get("/admin/accounts/topup/", {"status__exact": "failed"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


# --- the ledger is read-only ----------------------------------------------------------


@pytest.mark.parametrize("model", ["ledgeraccount", "ledgertransaction", "topup"])
def test_ledger_rows_cannot_be_added_even_by_a_superuser(admin_client, model):
    response = admin_client.get(f"/admin/accounts/{model}/add/")

    assert response.status_code == 403


def test_transaction_cannot_be_deleted_even_by_a_superuser(admin_client, funded):
    txn = funded.ledger_transaction

    response = admin_client.post(
        f"/admin/accounts/ledgertransaction/{txn.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert LedgerTransaction.objects.filter(pk=txn.pk).exists()
    assert LedgerEntry.objects.filter(transaction=txn).count() == 2


def test_delete_selected_action_is_not_offered(admin_client, funded):
    changelist = "/admin/accounts/ledgertransaction/"
    txn = funded.ledger_transaction

    page = admin_client.get(changelist)
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [txn.pk]}
    )

    assert page.status_code == 200
    offered = page.content.decode()
    assert 'value="reverse_transaction"' in offered
    assert 'value="delete_selected"' not in offered
    # Not a choice of the action form: the admin refuses it and comes back to the list.
    assert (response.status_code, response["Location"]) == (302, changelist)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["No action selected."]
    assert LedgerTransaction.objects.filter(pk=txn.pk).exists()
    assert LedgerEntry.objects.filter(transaction=txn).count() == 2


def test_transaction_change_page_is_read_only_and_shows_its_entries(admin_client, funded):
    txn = funded.ledger_transaction

    response = admin_client.get(f"/admin/accounts/ledgertransaction/{txn.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "40.00" in html
    assert "-40.00" in html
    assert "Wallet of " + funded.user.email in html
    assert "Outside world" in html
    # Viewing only: no save button, and a POST changes nothing.
    assert 'name="_save"' not in html
    post = admin_client.post(
        f"/admin/accounts/ledgertransaction/{txn.pk}/change/",
        {"kind": "donation", "reference": "tampered"},
    )
    assert post.status_code == 403
    txn.refresh_from_db()
    assert txn.reference == "Top-up via sandbox"


def test_account_change_page_loads(admin_client, funded):
    account = wallet_of(funded.user)

    response = admin_client.get(f"/admin/accounts/ledgeraccount/{account.pk}/change/")

    assert response.status_code == 200
    assert "40.00" in response.content.decode()


# --- adjusting a wallet ---------------------------------------------------------------


def test_adjust_form_renders(admin_client, user):
    account = services.wallet_get_or_create(user=user)

    response = admin_client.get(adjust_url(account))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="amount"' in html
    assert 'name="reason"' in html
    assert "Current balance: <strong>0.00" in html


def test_adjust_without_reason_shows_an_error_and_posts_nothing(admin_client, user):
    account = services.wallet_get_or_create(user=user)

    response = admin_client.post(adjust_url(account), {"amount": "25.00", "reason": ""})

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert "This field is required." in response.content.decode()
    assert LedgerTransaction.objects.count() == 0
    account.refresh_from_db()
    assert account.balance == Decimal("0.00")


def test_adjust_with_blank_reason_is_refused(admin_client, user):
    account = services.wallet_get_or_create(user=user)

    response = admin_client.post(adjust_url(account), {"amount": "25.00", "reason": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert LedgerTransaction.objects.count() == 0


def test_adjust_asks_a_second_person_and_moves_nothing_until_approved(admin_client, user):
    account = services.wallet_get_or_create(user=user)

    response = admin_client.post(
        adjust_url(account), {"amount": "25.00", "reason": "Refund of a failed card fee"}
    )

    approval = Approval.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:staff_approval_change", args=[approval.pk])
    assert (approval.kind, approval.status, approval.amount) == (
        "wallet_adjustment",
        "pending",
        Decimal("25.00"),
    )
    assert approval.requested_by == admin_client.user
    account.refresh_from_db()
    assert account.balance == Decimal("0.00")
    assert not LedgerTransaction.objects.exists()

    approve_approval(approval=approval, by=staff_with("finance"))

    account.refresh_from_db()
    assert account.balance == Decimal("25.00")
    txn = LedgerTransaction.objects.get()
    assert (txn.kind, txn.memo) == (
        LedgerTransaction.Kind.ADJUSTMENT,
        "Refund of a failed card fee",
    )
    assert services.ledger_verify().problems == []


def test_adjust_overdraft_is_refused_at_approval_and_changes_nothing(admin_client, user):
    account = services.wallet_get_or_create(user=user)
    services.wallet_adjust(user=user, amount=Decimal("25.00"), reason="seed", by=admin_client.user)
    admin_client.post(adjust_url(account), {"amount": "-1000", "reason": "Clawback"})
    approval = Approval.objects.get()
    before = LedgerTransaction.objects.count()

    with pytest.raises(services.InsufficientFunds):
        approve_approval(approval=approval, by=staff_with("finance"))

    approval.refresh_from_db()
    assert approval.status == "pending"
    assert LedgerTransaction.objects.count() == before
    account.refresh_from_db()
    assert account.balance == Decimal("25.00")


def test_staff_without_the_adjustment_permission_gets_403(client, user):
    account = services.wallet_get_or_create(user=user)
    client.force_login(staff_with("loan_officer"))

    response = client.post(adjust_url(account), {"amount": "25.00", "reason": "Mine now"})

    assert response.status_code == 403
    assert not Approval.objects.exists()


def test_no_one_adjusts_their_own_wallet(client):
    finance = staff_with("finance")
    client.force_login(finance)
    account = services.wallet_get_or_create(user=finance)

    response = client.post(adjust_url(account), {"amount": "25.00", "reason": "Mine now"})

    assert response.status_code == 200
    assert "your own wallet" in response.content.decode()
    assert not Approval.objects.exists()


def test_adjust_of_zero_is_refused(admin_client, user):
    account = services.wallet_get_or_create(user=user)

    response = admin_client.post(adjust_url(account), {"amount": "0", "reason": "Nothing"})

    assert response.status_code == 200
    assert "amount" in response.context["form"].errors
    assert LedgerTransaction.objects.count() == 0


def test_adjust_page_of_a_non_wallet_is_404(admin_client):
    external = services.external_account()

    assert admin_client.get(adjust_url(external)).status_code == 404


def test_adjust_action_with_one_wallet_redirects_to_the_form(admin_client, user):
    account = services.wallet_get_or_create(user=user)

    response = admin_client.post(
        "/admin/accounts/ledgeraccount/",
        {"action": "adjust_wallet", "_selected_action": [str(account.pk)], "index": "0"},
    )

    assert response.status_code == 302
    assert response.url == adjust_url(account)


def test_adjust_action_with_two_wallets_shows_an_error(admin_client, user, other_user):
    first = services.wallet_get_or_create(user=user)
    second = services.wallet_get_or_create(user=other_user)

    response = admin_client.post(
        "/admin/accounts/ledgeraccount/",
        {
            "action": "adjust_wallet",
            "_selected_action": [str(first.pk), str(second.pk)],
            "index": "0",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Select exactly one wallet to adjust." in message_texts(response)
    assert LedgerTransaction.objects.count() == 0


def test_adjust_action_on_a_non_wallet_shows_an_error(admin_client):
    external = services.external_account()

    response = admin_client.post(
        "/admin/accounts/ledgeraccount/",
        {"action": "adjust_wallet", "_selected_action": [str(external.pk)], "index": "0"},
        follow=True,
    )

    assert "Select exactly one wallet to adjust." in message_texts(response)


# --- reversing a transaction ----------------------------------------------------------


def test_reverse_form_renders_the_legs(admin_client, funded):
    response = admin_client.get(reverse_url(funded.ledger_transaction))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Top-up via sandbox" in html
    assert 'name="reason"' in html
    assert "40.00" in html


def test_reverse_a_top_up(admin_client, funded):
    original = funded.ledger_transaction

    response = admin_client.post(reverse_url(original), {"reason": "Card charge disputed"})

    assert response.status_code == 302
    assert response.url == reverse("admin:accounts_ledgertransaction_changelist")
    assert wallet_of(funded.user).balance == Decimal("0.00")
    reversal = LedgerTransaction.objects.get(reverses=original)
    assert reversal.memo == "Card charge disputed"
    assert reversal.created_by == admin_client.user
    assert reversal.kind == original.kind
    assert services.ledger_verify().problems == []


def test_reversing_twice_shows_an_error_and_posts_nothing(admin_client, funded):
    original = funded.ledger_transaction
    first = admin_client.post(reverse_url(original), {"reason": "Disputed"})
    assert first.status_code == 302
    count = LedgerTransaction.objects.count()

    response = admin_client.post(reverse_url(original), {"reason": "Disputed again"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [services.AlreadyReversed.default_message]
    assert "already been reversed" in response.content.decode()
    assert LedgerTransaction.objects.count() == count
    assert wallet_of(funded.user).balance == Decimal("0.00")


def test_reverse_without_reason_posts_nothing(admin_client, funded):
    response = admin_client.post(reverse_url(funded.ledger_transaction), {"reason": ""})

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert LedgerTransaction.objects.count() == 1
    assert wallet_of(funded.user).balance == Decimal("40.00")


def test_reverse_of_spent_money_is_refused(admin_client, funded):
    services.wallet_adjust(
        user=funded.user, amount=Decimal("-30.00"), reason="Spent", by=admin_client.user
    )
    count = LedgerTransaction.objects.count()

    response = admin_client.post(reverse_url(funded.ledger_transaction), {"reason": "Disputed"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        services.InsufficientFunds.default_message
    ]
    assert LedgerTransaction.objects.count() == count
    assert wallet_of(funded.user).balance == Decimal("10.00")


def test_reverse_action_redirects_to_the_form(admin_client, funded):
    txn = funded.ledger_transaction

    response = admin_client.post(
        "/admin/accounts/ledgertransaction/",
        {"action": "reverse_transaction", "_selected_action": [str(txn.pk)], "index": "0"},
    )

    assert response.status_code == 302
    assert response.url == reverse_url(txn)


def test_reverse_action_with_two_transactions_shows_an_error(admin_client, funded):
    second = services.top_up_create(user=funded.user, amount=Decimal("1.00"))

    response = admin_client.post(
        "/admin/accounts/ledgertransaction/",
        {
            "action": "reverse_transaction",
            "_selected_action": [
                str(funded.ledger_transaction.pk),
                str(second.ledger_transaction.pk),
            ],
            "index": "0",
        },
        follow=True,
    )

    assert "Select exactly one transaction to reverse." in message_texts(response)
    assert not LedgerTransaction.objects.filter(reverses__isnull=False).exists()


# --- who may see all this -------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_non_staff_are_sent_to_the_admin_login(client, user, funded, method):
    client.force_login(user)
    account = wallet_of(user)
    urls = [
        adjust_url(account),
        reverse_url(funded.ledger_transaction),
        "/admin/accounts/ledgeraccount/",
        "/admin/accounts/ledgertransaction/",
        "/admin/accounts/topup/",
        "/admin/accounts/user/",
    ]
    data = {"amount": "1000.00", "reason": "Sneaky"} if method == "post" else None

    for url in urls:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response.url.startswith("/admin/login/?next="), url

    assert LedgerTransaction.objects.count() == 1
    assert wallet_of(user).balance == Decimal("40.00")


def test_anonymous_visitors_are_sent_to_the_admin_login(client, funded):
    response = client.get(adjust_url(wallet_of(funded.user)))

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/?next=")


@pytest.mark.parametrize("model", ["ledgertransaction", "topup"])
def test_search_by_full_id_finds_the_row(admin_client, funded, model):
    row = funded.ledger_transaction if model == "ledgertransaction" else funded

    response = admin_client.get(f"/admin/accounts/{model}/", {"q": str(row.pk)})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [row]


def test_a_reversal_cannot_itself_be_reversed(admin_client, funded):
    admin_client.post(reverse_url(funded.ledger_transaction), {"reason": "Disputed"})
    reversal = LedgerTransaction.objects.get(reverses=funded.ledger_transaction)
    count = LedgerTransaction.objects.count()

    response = admin_client.post(reverse_url(reversal), {"reason": "Undo the undo"})

    assert response.status_code == 200
    assert "cannot itself be reversed" in response.content.decode()
    assert LedgerTransaction.objects.count() == count
    assert wallet_of(funded.user).balance == Decimal("0.00")
