"""The ledger: the only code that moves money.

Every other app calls `ledger_post` (or one of the wallet services built on it);
nothing else writes balances or entries. Also here: the system accounts
(`ledger_account`, the outside world, the zakat fund), wallets, reversals,
staff adjustments and `ledger_verify`, which checks every invariant against the
rows themselves.
"""

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import chain, money
from accounts.models import (
    MEMO_MAX_LENGTH,
    ZAKAT_FUND_KINDS,
    LedgerAccount,
    LedgerChainCheckpoint,
    LedgerEntry,
    LedgerTransaction,
    User,
)
from config.errors import ConflictOfInterest, DomainError, NotAllowed
from config.metrics import ledger_posted
from staff.permissions import user_can

logger = logging.getLogger(__name__)


class LedgerError(DomainError):
    code = "ledger_error"
    default_message = _("The ledger refused this movement.")


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    status = 402
    default_message = _("Your wallet balance is too low for this payment.")
    # The fields beside error/message in its API body, as the docs show them.
    example_extra: ClassVar[dict] = {"available_amount": "20.00", "required_amount": "50.00"}


class ZakatFundRestricted(LedgerError):
    code = "zakat_fund_restricted"
    default_message = _(
        "Zakat belongs to its eight categories of recipients: it leaves a zakat fund only "
        "as a disbursement to an approved zakat case."
    )


class AlreadyReversed(DomainError):
    code = "already_reversed"
    default_message = _("This transaction has already been reversed.")


class NotReversible(LedgerError):
    code = "not_reversible"
    default_message = _(
        "This transaction belongs to a record of its own (a donation, a payment, a loan "
        "or a contract); undo it from that record, not in the ledger."
    )


# Only these may be reversed on their own. Every other kind belongs to a record of
# another app (a donation, a zakat payment, a loan or a contract) that keeps its
# own totals; reversing its money alone would leave the record saying otherwise, so
# only the service that owns the record reverses it (campaigns' donation_refund).
DIRECTLY_REVERSIBLE_KINDS = (LedgerTransaction.Kind.TOP_UP, LedgerTransaction.Kind.ADJUSTMENT)


@dataclass(frozen=True)
class Leg:
    """One side of a movement: `amount` is added to `account` (negative takes out)."""

    account: LedgerAccount
    amount: Decimal


def ledger_account(kind: str, key: str, name: str) -> LedgerAccount:
    """The system account under `key` (a fund, a receivable, income...), made on
    first use. Every app finds its accounts through this one function."""
    account, _ = LedgerAccount.objects.get_or_create(
        key=key, defaults={"kind": kind, "name": name, "currency": money.currency()}
    )
    return account


def external_account() -> LedgerAccount:
    """The outside world: where top-ups come from and payouts go."""
    return ledger_account(LedgerAccount.Kind.EXTERNAL, "external", "Outside world")


def zakat_fund_account() -> LedgerAccount:
    return ledger_account(LedgerAccount.Kind.ZAKAT_FUND, "zakat_fund", "Zakat fund")


def fitr_fund_account() -> LedgerAccount:
    return ledger_account(LedgerAccount.Kind.FITR_FUND, "fitr_fund", "Zakat al-fitr fund")


def campaign_zakat_account(campaign_id, title: str) -> LedgerAccount:
    return ledger_account(
        LedgerAccount.Kind.CAMPAIGN_ZAKAT_FUND,
        f"campaign_zakat:{campaign_id}",
        f"Zakat for campaign: {title}"[:200],
    )


def wallet_key(user: User) -> str:
    """The ledger key of a user's wallet (kind wallet, one per user)."""
    return f"wallet:{user.pk}"


def wallet_get_or_create(*, user: User) -> LedgerAccount:
    account = LedgerAccount.objects.filter(kind=LedgerAccount.Kind.WALLET, owner=user).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(
                kind=LedgerAccount.Kind.WALLET,
                key=wallet_key(user),
                name=f"Wallet of {user.email}",
                owner=user,
                currency=money.currency(),
            )
    except IntegrityError:  # created by a concurrent request a moment ago
        return LedgerAccount.objects.get(kind=LedgerAccount.Kind.WALLET, owner=user)


def ledger_post(
    *,
    kind: str,
    legs: Sequence[Leg],
    reference: str,
    memo: str = "",
    created_by: User | None = None,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Post one balanced transaction.

    The legs must sum to exactly zero, each be a non-zero amount in cents, and
    touch each account once. The touched accounts are locked in primary-key
    order, so two postings over the same accounts queue instead of
    deadlocking; a leg that would take a wallet or fund below zero refuses the
    whole transaction with InsufficientFunds. A leg taking money out of a zakat
    fund (ZAKAT_FUND_KINDS) is refused (ZakatFundRestricted) unless the
    transaction is a zakat disbursement, which only the distribution app's
    executor posts, for an approved case. Entries and the cached balances
    are written in the same database transaction, or not at all.

    Inside a caller's transaction this adds no savepoint of its own (two round
    trips saved on every posting, measured in docs/benchmarks.md). A refusal
    (InsufficientFunds) is raised before anything is written and outside the
    block, so the caller's transaction stays usable; a database error while
    writing still aborts the caller's transaction, as it would anyway on
    PostgreSQL.

    The checks below run first; the write is `_post_in_database` (PostgreSQL:
    one call of accounts_ledger_post, docs/ledger.md) or `_post_in_python`."""
    if len(legs) < 2:
        raise LedgerError(_("A transaction needs at least two legs."))
    amounts = [Decimal(leg.amount) for leg in legs]
    if any(a != money.quantize(a) for a in amounts):
        raise LedgerError(_("Amounts must be whole cents."))
    if any(a == 0 for a in amounts):
        raise LedgerError(_("A leg cannot be zero."))
    if sum(amounts, Decimal(0)) != 0:
        raise LedgerError(_("The legs of a transaction must sum to zero."))
    account_ids = [leg.account.pk for leg in legs]
    if len(set(account_ids)) != len(account_ids):
        raise LedgerError(_("Each account may appear only once in a transaction."))
    if len({leg.account.currency for leg in legs}) != 1:
        raise LedgerError(_("All legs must be in one currency."))
    if len(memo) > MEMO_MAX_LENGTH:
        raise LedgerError(
            _("A memo is at most %(MEMO_MAX_LENGTH)s characters.")
            % {"MEMO_MAX_LENGTH": MEMO_MAX_LENGTH}
        )

    posting = {
        "kind": kind,
        "legs": legs,
        "amounts": amounts,
        "reference": reference[:200],
        "memo": memo,
        "created_by": created_by,
        "reverses": reverses,
    }
    if connection.vendor != "postgresql":
        with transaction.atomic(savepoint=False):
            txn, refusal = _post_in_python(**posting)
    elif connection.get_autocommit() and not connection.in_atomic_block:
        # Outside any transaction the posting is one statement, so it is its own
        # transaction: no BEGIN and COMMIT round trips, and the accounts stay
        # locked only while the server runs it (measured in docs/benchmarks.md).
        txn, refusal = _post_in_database(**posting)
    else:
        with transaction.atomic(savepoint=False):
            txn, refusal = _post_in_database(**posting)
    if refusal is not None:
        raise refusal
    # Counted for /metrics when (and only if) the posting commits.
    ledger_posted(kind, sum((a for a in amounts if a > 0), Decimal(0)))
    return txn


# --- The write of a posting ------------------------------------------------------------
#
# ledger_post validates, then calls one of these inside its transaction. Each
# locks the accounts in primary-key order, refuses an overdraft before writing
# anything (returning the refusal, so the caller's transaction stays usable),
# then writes the balances, chain heads, transaction, entries and audit event.


def _no_outflow_kinds(kind: str) -> tuple[str, ...]:
    """The account kinds this posting may not take money from: the zakat funds,
    unless it is a zakat disbursement (an approved case's, distribution/)."""
    return () if kind == LedgerTransaction.Kind.ZAKAT_DISBURSEMENT else ZAKAT_FUND_KINDS


def _post_in_database(
    *,
    kind: str,
    legs: Sequence[Leg],
    amounts: list[Decimal],
    reference: str,
    memo: str,
    created_by: User | None,
    reverses: LedgerTransaction | None,
) -> tuple[LedgerTransaction | None, DomainError | None]:
    """PostgreSQL: the whole posting in one round trip, `accounts_ledger_post`
    (migration 0013). The account rows are locked from inside that call to
    COMMIT, and no model instance is built until the result comes back."""
    from staff.services.audit import audit_request_context

    txn_id = uuid.uuid4()
    now = timezone.now()
    amounts = [money.quantize(a) for a in amounts]
    account_ids = [leg.account.pk for leg in legs]
    lock_order = [i + 1 for i in sorted(range(len(legs)), key=lambda i: account_ids[i])]
    request_id, client = audit_request_context()
    changes = {"legs": {leg.account.key: str(a) for leg, a in zip(legs, amounts, strict=True)}}
    if reverses is not None:
        changes["reverses"] = str(reverses.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM accounts_ledger_post(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, %s, %s::jsonb, %s)",
            [
                txn_id,
                kind,
                reference,
                memo,
                created_by.pk if created_by is not None and created_by.pk else None,
                reverses.pk if reverses is not None else None,
                now,
                account_ids,
                amounts,
                lock_order,
                list(LedgerAccount.NON_NEGATIVE_KINDS),
                f"ledger.{kind}",
                request_id,
                client,
                json.dumps(changes),
                list(_no_outflow_kinds(kind)),
            ],
        )
        refused, available, balances, chain_hash = cursor.fetchone()
    if refused and refused < 0:
        return None, ZakatFundRestricted()
    if refused:
        return None, InsufficientFunds(
            available_amount=str(money.quantize(available)),
            required_amount=str(money.quantize(-amounts[refused - 1])),
        )
    for leg, balance in zip(legs, balances, strict=True):  # callers' instances see it too
        leg.account.balance = balance
    txn = LedgerTransaction(
        id=txn_id,
        kind=kind,
        reference=reference,
        memo=memo,
        created_by=created_by,
        reverses=reverses,
        created_at=now,
        chain_hash=chain_hash,
    )
    txn._state.adding = False
    txn._state.db = connection.alias
    return txn, None


def _post_in_python(
    *,
    kind: str,
    legs: Sequence[Leg],
    amounts: list[Decimal],
    reference: str,
    memo: str,
    created_by: User | None,
    reverses: LedgerTransaction | None,
) -> tuple[LedgerTransaction | None, DomainError | None]:
    """SQLite (and any database without `accounts_ledger_post`): the same
    posting through the ORM, the chain links computed here."""
    account_ids = [leg.account.pk for leg in legs]
    locked = {
        account.pk: account
        for account in LedgerAccount.objects.select_for_update()
        .filter(pk__in=account_ids)
        .order_by("pk")
    }
    new_balances: dict = {}
    for leg, amount in zip(legs, amounts, strict=True):
        account = locked[leg.account.pk]
        # The kind as stored, not as the caller's instance says.
        if amount < 0 and account.kind in _no_outflow_kinds(kind):
            return None, ZakatFundRestricted()
        after = account.balance + amount
        if after < 0 and not account.may_go_negative:
            return None, InsufficientFunds(
                available_amount=str(money.quantize(account.balance)),
                required_amount=str(money.quantize(-amount)),
            )
        new_balances[account.pk] = money.quantize(after)
    txn_id = uuid.uuid4()
    heads = {
        leg.account.pk: chain.link(
            locked[leg.account.pk].head_hash,
            transaction_id=txn_id,
            account_id=leg.account.pk,
            amount=money.quantize(amount),
            balance_after=new_balances[leg.account.pk],
            kind=kind,
            reference=reference,
            memo=memo,
        )
        for leg, amount in zip(legs, amounts, strict=True)
    }
    now = timezone.now()
    txn = LedgerTransaction.objects.create(
        id=txn_id,
        kind=kind,
        reference=reference,
        memo=memo,
        created_by=created_by,
        reverses=reverses,
        created_at=now,
        chain_hash=chain.transaction_hash(heads[pk] for pk in sorted(heads)),
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            transaction=txn,
            account_id=leg.account.pk,
            amount=amount,
            balance_after=new_balances[leg.account.pk],
            chain_hash=heads[leg.account.pk],
            created_at=now,
        )
        for leg, amount in zip(legs, amounts, strict=True)
    )
    # Every movement of money leaves one audit event naming who moved it, in the
    # same transaction (imported here: the staff app builds on accounts).
    from staff.services.audit import audit_record

    audit_record(
        actor=created_by,
        action=f"ledger.{kind}",
        subject=txn,
        changes={
            "legs": {
                locked[leg.account.pk].key: amount
                for leg, amount in zip(legs, amounts, strict=True)
            },
            **({"reverses": reverses.pk} if reverses is not None else {}),
        },
        reason=memo,
    )
    for account_id, balance in new_balances.items():
        LedgerAccount.objects.filter(pk=account_id).update(
            balance=balance, head_hash=heads[account_id]
        )
        locked[account_id].balance = balance
        for leg in legs:  # callers' instances see the new balance too
            if leg.account.pk == account_id:
                leg.account.balance = balance
    return txn, None


def ledger_reverse(
    *,
    original: LedgerTransaction,
    reason: str,
    by: User | None = None,
    by_record_owner: bool = False,
) -> LedgerTransaction:
    """Undo a transaction with a new one of opposite legs. Entries are never
    edited or deleted; a transaction can be reversed once, and a reversal that
    would overdraw a wallet (the money was already spent) is refused.

    Only top-ups and adjustments may be reversed here alone (NotReversible for
    the rest); `by_record_owner` is for the service that owns the record a
    transaction belongs to and updates that record in the same transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why this transaction is reversed."]})
    if len(reason) > MEMO_MAX_LENGTH:
        raise ValidationError({"reason": [f"Keep the reason to {MEMO_MAX_LENGTH} characters."]})
    with transaction.atomic():
        original = LedgerTransaction.objects.select_for_update().get(pk=original.pk)
        if original.reverses_id is not None:
            raise LedgerError(_("A reversal cannot itself be reversed; post a new transaction."))
        if not by_record_owner and original.kind not in DIRECTLY_REVERSIBLE_KINDS:
            raise NotReversible()
        if not by_record_owner and by is not None:
            if not user_can(by, "staff.ledger_reverse"):
                raise NotAllowed(_("Only staff holding staff.ledger_reverse may reverse postings."))
            if original.entries.filter(account__owner=by).exists():
                raise ConflictOfInterest(_("You cannot reverse a posting on your own wallet."))
        if LedgerTransaction.objects.filter(reverses=original).exists():
            raise AlreadyReversed()
        legs = [
            Leg(entry.account, -entry.amount)
            for entry in original.entries.select_related("account")
        ]
        try:
            return ledger_post(
                kind=original.kind,
                legs=legs,
                reference=f"Reversal of {original.reference}",
                memo=reason,
                created_by=by,
                reverses=original,
            )
        except IntegrityError:  # a concurrent reversal won the one-to-one
            raise AlreadyReversed() from None


def wallet_adjust(*, user: User, amount: Decimal, reason: str, by: User) -> LedgerTransaction:
    """A staff correction of a wallet, with a required reason (positive credits).

    At most WALLET_ADJUSTMENT_MAX either way, and never of one's own wallet
    (403 conflict_of_interest). Staff ask for one through the four-eyes
    mechanism (staff.services.wallet_adjustment_request), which runs this once
    a second person approves."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the wallet is adjusted."]})
    if len(reason) > MEMO_MAX_LENGTH:
        raise ValidationError({"reason": [f"Keep the reason to {MEMO_MAX_LENGTH} characters."]})
    limit = money.quantize(settings.WALLET_ADJUSTMENT_MAX)
    amount = money.parse_cents(
        amount,
        field="amount",
        signed=True,
        maximum=limit,
        message=f"Enter a non-zero amount in whole cents, at most {limit} either way.",
    )
    if by is not None and by.pk == user.pk:
        raise ConflictOfInterest(_("You cannot adjust your own wallet."))
    # One transaction with the posting: a refused or failed adjustment leaves no
    # new, empty wallet behind.
    with transaction.atomic():
        wallet = wallet_get_or_create(user=user)
        return ledger_post(
            kind=LedgerTransaction.Kind.ADJUSTMENT,
            legs=[Leg(wallet, amount), Leg(external_account(), -amount)],
            reference=f"Adjustment by staff: {reason}"[:200],
            memo=reason,
            created_by=by,
        )


# --- Verification ----------------------------------------------------------------------


@dataclass
class LedgerReport:
    accounts: int = 0
    transactions: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)


# Other apps' invariants over the ledger (payouts: the in-transit account equals the
# payouts not yet settled), registered from their AppConfig.ready(); each returns a
# list of problems. Accounts imports no app, so they come to it.
_EXTRA_CHECKS: dict[str, Callable[[], list[str]]] = {}


def ledger_check_register(name: str, check: Callable[[], list[str]]) -> None:
    _EXTRA_CHECKS[name] = check


# An incremental run re-checks the transactions created since the checkpoint's
# time minus this margin: a posting that began before the checkpoint and
# committed after it is still covered.
CHECKPOINT_MARGIN = timedelta(hours=1)


def ledger_verify(*, incremental: bool = False, checkpoint: bool = False) -> LedgerReport:
    """Check every invariant of the ledger against the rows themselves.

    Reads account by account, so it runs in memory proportional to the largest
    account's history, not the whole ledger. Each account's hash chain is
    recomputed link by link; the first broken link of each account is named
    (entry and transaction).

    `incremental`: each account's chain, running balance and sum continue from
    the checkpoint the last clean run stored (LedgerChainCheckpoint), after
    checking the checkpointed link is still there; the per-transaction checks
    cover the transactions created since that checkpoint. A full run (the
    default) reads everything. `checkpoint`: a clean run stores where it ended,
    for the next incremental one."""
    report = LedgerReport()
    checkpoints = (
        {c.account_id: c for c in LedgerChainCheckpoint.objects.all()} if incremental else {}
    )
    txns = LedgerTransaction.objects.all()
    entries = LedgerEntry.objects.all()
    if checkpoints:
        since = min(c.verified_at for c in checkpoints.values()) - CHECKPOINT_MARGIN
        txns = txns.filter(created_at__gte=since)
        entries = entries.filter(transaction__created_at__gte=since)
    # What this run checks: an incremental run counts only what is new since the
    # checkpoint, so its cost does not grow with the ledger (a COUNT of ten
    # million entries alone is seconds).
    report.transactions = txns.count()
    report.entries = entries.count()

    # Entries are whole cents, so a real imbalance is at least a cent. Compare with
    # half a cent, not zero: SQLite sums decimals as floats, and three balanced legs
    # (a murabaha sale) can sum to 1e-13 there.
    half_cent = money.CENT / 2
    unbalanced = (
        entries.values("transaction_id")
        .annotate(total=Sum("amount"), legs=Count("id"))
        .filter(Q(legs__lt=2) | Q(total__gte=half_cent) | Q(total__lte=-half_cent))
    )
    for row in unbalanced:
        report.problems.append(
            f"transaction {row['transaction_id']} has {row['legs']} leg(s) "
            f"summing to {money.quantize(row['total'])}"
        )
    empty = txns.filter(entries__isnull=True).values_list("pk", flat=True)
    report.problems += [f"transaction {pk} has no entries" for pk in empty]
    zero = entries.filter(amount=0).values_list("pk", flat=True)
    report.problems += [f"entry {pk} has a zero amount" for pk in zero]
    report.problems += _transaction_hash_problems(txns)
    report.problems += _checkpoint_problems(checkpoints)

    reached: list[LedgerChainCheckpoint] = []
    accounts = LedgerAccount.objects.order_by("pk")
    # Every entry in one stream, account by account in chain order: one query,
    # not one per account. An incremental run reads only the accounts with
    # entries past their checkpoint (found in one query), from the oldest of
    # those checkpoints on; the others are checked against their checkpoint.
    entry_rows = LedgerEntry.objects.order_by("account_id", "id").values_list(
        "account_id",
        "id",
        "transaction_id",
        "amount",
        "balance_after",
        "chain_hash",
        "transaction__kind",
        "transaction__reference",
        "transaction__memo",
    )
    if checkpoints:
        moved = set(
            accounts.filter(
                Exists(
                    LedgerEntry.objects.filter(
                        account=OuterRef("pk"),
                        id__gt=Coalesce(OuterRef("checkpoint__last_entry_id"), 0),
                    )
                )
            ).values_list("pk", flat=True)
        )
        # Each moved account from its own checkpoint on (one index range each): an
        # account new since the checkpoint must not make a large old one be read
        # from its first entry.
        since_checkpoint = Q(account_id__in=[pk for pk in moved if pk not in checkpoints])
        for pk in moved:
            if pk in checkpoints:
                since_checkpoint |= Q(account_id=pk, id__gt=checkpoints[pk].last_entry_id)
        entry_rows = entry_rows.filter(since_checkpoint)
    streams = groupby(entry_rows.iterator(chunk_size=5000), key=itemgetter(0))
    current = next(streams, None)
    for account in accounts.iterator():
        report.accounts += 1
        start = checkpoints.get(account.pk)
        running = total = start.balance if start else Decimal(0)
        head = bytes(start.head_hash) if start else b""
        last_id = start.last_entry_id if start else 0
        chain_intact = True
        rows: Iterable = ()
        if current is not None and current[0] == account.pk:
            rows = (row[1:] for row in current[1] if row[1] > last_id)
            current = None  # taken: the next group is fetched once these are read
        for entry_id, txn_id, amount, after, stored, kind, reference, memo in rows:
            running += amount
            total += amount
            if after != running:
                report.problems.append(
                    f"{account.key}: entry {entry_id} says balance_after {after}, "
                    f"the entries up to it sum to {running}"
                )
                running = after  # report each break once, not every entry after it
            if chain_intact:
                head = chain.link(
                    head,
                    transaction_id=txn_id,
                    account_id=account.pk,
                    amount=amount,
                    balance_after=after,
                    kind=kind,
                    reference=reference,
                    memo=memo,
                )
                if stored is None or bytes(stored) != head:
                    report.problems.append(
                        f"{account.key}: hash chain broken at entry {entry_id} "
                        f"(transaction {txn_id}): its stored hash does not match its "
                        "contents and the link before it"
                    )
                    chain_intact = False  # the first broken link is the one to look at
            last_id = entry_id
        if current is None:
            current = next(streams, None)
        if chain_intact and bytes(account.head_hash) != head:
            report.problems.append(
                f"{account.key}: chain head does not match its newest entry "
                f"(entry {last_id or 'none'})"
            )
        total = money.quantize(total)
        if account.balance != total:
            report.problems.append(
                f"{account.key}: cached balance {account.balance} but its entries sum to {total}"
            )
        if not account.may_go_negative and total < 0:
            report.problems.append(
                f"{account.key}: {account.get_kind_display()} is negative ({total})"
            )
        reached.append(
            LedgerChainCheckpoint(
                account=account, last_entry_id=last_id, head_hash=head, balance=total
            )
        )
    report.problems += _zakat_outflow_problems()
    for check in _EXTRA_CHECKS.values():
        report.problems += check()
    if checkpoint and not report.problems:
        now = timezone.now()
        for point in reached:
            point.verified_at = now
        LedgerChainCheckpoint.objects.bulk_create(
            reached,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["account"],
            update_fields=["last_entry_id", "head_hash", "balance", "verified_at"],
        )
    return report


def _transaction_hash_problems(txns) -> list[str]:
    """Transactions whose stored hash is not the hash of their entries' links."""
    if connection.vendor == "postgresql":
        # All transactions, or those since the checkpoint: the ORM's own SQL.
        sql, params = txns.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT t.id FROM accounts_ledgertransaction t
                  JOIN (SELECT transaction_id,
                               sha256(string_agg(chain_hash, ''::bytea ORDER BY account_id)) AS h
                          FROM accounts_ledgerentry
                         WHERE transaction_id IN ({sql})
                         GROUP BY transaction_id) e ON e.transaction_id = t.id
                 WHERE t.chain_hash IS DISTINCT FROM e.h
                """,  # noqa: S608 (the subquery is the ORM's own SQL with its params)
                params,
            )
            broken = [row[0] for row in cursor.fetchall()]
    else:
        heads: dict = {}
        rows = (
            LedgerEntry.objects.filter(transaction__in=txns.values("pk"))
            .order_by("transaction_id", "account_id")
            .values_list("transaction_id", "chain_hash")
        )
        for txn_id, stored in rows:
            heads.setdefault(txn_id, []).append(bytes(stored or b""))
        stored_hashes = dict(txns.filter(pk__in=heads).values_list("pk", "chain_hash"))
        broken = [
            pk
            for pk, links in heads.items()
            if bytes(stored_hashes.get(pk) or b"") != chain.transaction_hash(links)
        ]
    return [f"transaction {pk}: its hash does not match its entries' chain hashes" for pk in broken]


def _checkpoint_problems(checkpoints: dict) -> list[str]:
    """An incremental run trusts the links up to each checkpoint: check that the
    checkpointed link is still the entry it was (history rewritten behind it
    changes that entry's hash)."""
    ids = [c.last_entry_id for c in checkpoints.values() if c.last_entry_id]
    stored = dict(LedgerEntry.objects.filter(pk__in=ids).values_list("pk", "chain_hash"))
    return [
        f"{c.account.key}: entry {c.last_entry_id}, where the last verified chain ended, "
        "was changed or removed since"
        for c in checkpoints.values()
        if c.last_entry_id and bytes(stored.get(c.last_entry_id) or b"") != bytes(c.head_hash)
    ]


def _zakat_outflow_problems() -> list[str]:
    """Every outflow from a zakat fund must be a disbursement recorded against an
    approved case (a ZakatDisbursement row naming the transaction). The model is
    looked up by name: accounts is the base the distribution app builds on."""
    from django.apps import apps

    disbursement = apps.get_model("distribution", "ZakatDisbursement")
    legitimate = disbursement.objects.filter(
        case__status__in=disbursement.PAID_CASE_STATUSES, case__asnaf_category__isnull=False
    ).values("transaction_id")
    forged = (
        LedgerEntry.objects.filter(account__kind__in=ZAKAT_FUND_KINDS, amount__lt=0)
        .exclude(transaction_id__in=legitimate)
        .values_list("id", "transaction_id", "account__key", "amount")
        .order_by("id")
    )
    return [
        f"{key}: entry {entry_id} takes {-amount} out of a zakat fund in transaction "
        f"{txn_id}, which is no disbursement of an approved zakat case"
        for entry_id, txn_id, key, amount in forged
    ]
