"""Reads of wallets and the ledger shared by the API, the pages and the admin."""

from django.db.models import QuerySet

from accounts.models import LedgerAccount, LedgerEntry, User


def wallet_for(*, user: User) -> LedgerAccount | None:
    return LedgerAccount.objects.filter(kind=LedgerAccount.Kind.WALLET, owner=user).first()


def wallet_entry_list(*, user: User) -> QuerySet[LedgerEntry]:
    """The movements of the user's wallet, newest first, each with its transaction
    (one query however many rows)."""
    return (
        LedgerEntry.objects.filter(account__kind=LedgerAccount.Kind.WALLET, account__owner=user)
        .select_related("transaction")
        .order_by("-created_at", "-id")
    )
