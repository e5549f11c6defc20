"""Property: whatever sequence of top-ups, transfers and reversals happens, the
ledger balances, no wallet is negative and every cached balance is its entries' sum."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services
from accounts.models import LedgerAccount, LedgerEntry, LedgerTransaction
from accounts.services import Leg
from config.errors import DomainError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500.00"), places=2)
people = st.integers(min_value=0, max_value=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("top_up"), people, amounts),
        st.tuples(st.just("transfer"), people, people, amounts),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("adjust"), people, amounts, st.booleans()),
    ),
    min_size=1,
    max_size=25,
)


def assert_invariants() -> None:
    assert (LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] or 0) == 0
    assert not LedgerAccount.objects.filter(kind=LedgerAccount.Kind.WALLET, balance__lt=0).exists()
    assert services.ledger_verify().problems == []


class Rollback(Exception):
    pass


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_ledger_invariants_hold_for_any_sequence(ops):
    try:
        with transaction.atomic():
            users = UserFactory.create_batch(3)
            staff = users[0]
            wallets = [services.wallet_get_or_create(user=u) for u in users]
            for op in ops:
                try:
                    match op:
                        case ("top_up", who, amount):
                            services.top_up_create(user=users[who], amount=amount)
                        case ("transfer", src, dst, amount) if src != dst:
                            services.ledger_post(
                                kind="donation",
                                legs=[
                                    Leg(LedgerAccount.objects.get(pk=wallets[src].pk), -amount),
                                    Leg(LedgerAccount.objects.get(pk=wallets[dst].pk), amount),
                                ],
                                reference="transfer",
                            )
                        case ("reverse", index):
                            txns = list(LedgerTransaction.objects.order_by("created_at", "id"))
                            if txns:
                                services.ledger_reverse(
                                    original=txns[index % len(txns)], reason="property test"
                                )
                        case ("adjust", who, amount, credit):
                            services.wallet_adjust(
                                user=users[who],
                                amount=amount if credit else -amount,
                                reason="property test",
                                by=staff,
                            )
                except DomainError:
                    pass  # refused moves (short wallet, reversed twice) must leave no trace
                assert_invariants()
            raise Rollback
    except Rollback:
        pass
