"""Reads of wallets and the ledger shared by the API, the pages and the admin."""

from decimal import Decimal

from django.db.models import QuerySet, Subquery

from accounts import money
from accounts.models import LedgerAccount, LedgerEntry, User


def wallet_for(*, user: User) -> LedgerAccount | None:
    return LedgerAccount.objects.filter(kind=LedgerAccount.Kind.WALLET, owner=user).first()


def wallet_balance(*, user: User) -> Decimal:
    """What the user's wallet holds; 0.00 before their first top-up (no wallet yet)."""
    balance = (
        LedgerAccount.objects.filter(kind=LedgerAccount.Kind.WALLET, owner=user)
        .values_list("balance", flat=True)
        .first()
    )
    return money.ZERO if balance is None else balance


def wallet_entry_list(*, user: User) -> QuerySet[LedgerEntry]:
    """The movements of the user's wallet, newest first, each with its transaction
    (one query however many rows)."""
    # The wallet's id as a subquery (one value), not a join: so the planner walks the
    # (account, -created_at, -id) index and stops after a page, instead of joining
    # every entry the wallet ever had and sorting them (measured at 10 million
    # entries in docs/benchmarks.md: a page then cost the wallet's whole history).
    wallet = (
        LedgerAccount.objects.filter(kind=LedgerAccount.Kind.WALLET, owner=user)
        .order_by()
        .values("pk")
    )
    return (
        LedgerEntry.objects.filter(account_id=Subquery(wallet[:1]))
        .select_related("transaction")
        .order_by("-created_at", "-id")
    )
