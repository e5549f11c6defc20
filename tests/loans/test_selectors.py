"""Loading a loan or contract for someone: found, hidden as missing, or forbidden."""

import uuid

import pytest
from django.db import transaction

from config.errors import NotAllowed, NotFound
from loans import selectors
from tests.loans.factories import active_loan, pending_loan, requested_contract

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("get_for", "make"),
    [
        (selectors.loan_get_for, pending_loan),
        (selectors.contract_get_for, requested_contract),
    ],
)
def test_owner_and_staff_get_it_others_are_refused(get_for, make, user, other_user, staff_user):
    obj = make(user)
    assert get_for(user=user, pk=obj.pk) == obj
    assert get_for(user=staff_user, pk=obj.pk) == obj
    with pytest.raises(NotAllowed):
        get_for(user=other_user, pk=obj.pk)
    with pytest.raises(NotFound):
        get_for(user=staff_user, pk=uuid.uuid4())


def test_days_past_due_is_annotated_and_lock_loads_the_same_loan(user, staff_user):
    loan = active_loan(user, staff=staff_user)
    loaded = selectors.loan_get_for(user=user, pk=loan.pk)
    assert hasattr(loaded, "oldest_unpaid_due")
    assert loaded.days_past_due == 0
    with transaction.atomic():
        locked = selectors.loan_get_for(user=user, pk=loan.pk, lock=True)
        assert locked == loan
        assert locked.days_past_due == 0
        assert locked.borrower == user
