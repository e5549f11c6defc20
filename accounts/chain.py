"""The ledger's hash chains (docs/ledger.md), computed the same way in Python
(SQLite, `ledger_verify`) and in PostgreSQL (migration 0007,
`accounts_ledger_link`).

Every account carries its own chain: each entry's `chain_hash` is SHA-256 of the
account's previous head and the entry's facts (its transaction, account, amount,
balance after, and the transaction's kind, reference and memo); the account row
keeps the newest one as `head_hash`. A transaction's `chain_hash` is SHA-256 of
its entries' hashes in account order. Changing any of those facts, or removing or
reordering an entry, breaks every later link of that account's chain.
"""

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from uuid import UUID


def link(
    prev: bytes,
    *,
    transaction_id: UUID | str,
    account_id: UUID | str,
    amount: Decimal,
    balance_after: Decimal,
    kind: str,
    reference: str,
    memo: str,
) -> bytes:
    """The chain hash of one entry, given the account's previous head."""
    text = (
        f"{transaction_id}|{account_id}|{amount}|{balance_after}|{kind}|"
        f"{len(reference)}:{reference}|{memo}"
    )
    return hashlib.sha256(bytes(prev) + text.encode()).digest()


def transaction_hash(entry_hashes_in_account_order: Iterable[bytes]) -> bytes:
    return hashlib.sha256(b"".join(bytes(h) for h in entry_hashes_in_account_order)).digest()
