import pytest
from rest_framework.test import APIClient

from tests.factories import fund_wallet
from tests.staff.factories import staff_with


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def finance(db):
    return staff_with("finance")


@pytest.fixture
def finance2(db):
    return staff_with("finance")


@pytest.fixture
def donor(db, user):
    fund_wallet(user, "100.00")
    return user
