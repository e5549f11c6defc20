"""The read-replica router and middleware (config/replicas.py) on their own; the
real streaming replica is exercised in tests/replicas/."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from accounts import services as accounts
from config import replicas


@pytest.fixture
def with_replica(settings):
    settings.DATABASE_REPLICAS = ["replica_1"]
    settings.REPLICA_STICKY_SECONDS = 5
    cache.clear()


def _alias_seen(request):
    seen = {}

    def view(req):
        seen["alias"] = replicas._read_alias.get()
        seen["router"] = replicas.ReplicaRouter().db_for_read(None)
        return HttpResponse("ok")

    response = replicas.ReplicaRoutingMiddleware(view)(request)
    return seen, response


def test_a_safe_read_goes_to_a_replica(with_replica):
    seen, response = _alias_seen(RequestFactory().get("/api/v1/campaigns"))
    assert seen == {"alias": "replica_1", "router": "replica_1"}
    assert replicas.STICKY_COOKIE not in response.cookies


def test_without_replicas_every_read_is_the_primarys(settings):
    settings.DATABASE_REPLICAS = []
    seen, _ = _alias_seen(RequestFactory().get("/api/v1/campaigns"))
    assert seen == {"alias": None, "router": "default"}


def test_outside_a_request_reads_go_to_the_primary():
    assert replicas.ReplicaRouter().db_for_read(None) == "default"
    assert replicas.ReplicaRouter().db_for_write(None) == "default"
    assert replicas.ReplicaRouter().allow_migrate("replica_1", "campaigns") is False


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary(with_replica):
    token = replicas._read_alias.set("replica_1")
    try:
        assert replicas.ReplicaRouter().db_for_read(None) == "replica_1"
        with transaction.atomic():
            assert replicas.ReplicaRouter().db_for_read(None) == "default"
    finally:
        replicas._read_alias.reset(token)


@pytest.mark.django_db
def test_a_write_pins_the_users_reads_to_the_primary(with_replica):
    user = accounts.user_create(email="rw@example.org", name="Writer", password="p" * 20)
    bearer = f"Bearer {accounts.auth_tokens_issue(user=user)['access_token']}"
    post = RequestFactory().post("/api/v1/donations", HTTP_AUTHORIZATION=bearer)
    post.user = user
    seen, response = _alias_seen(post)
    assert seen["alias"] is None  # an unsafe request reads the primary throughout
    assert response.cookies[replicas.STICKY_COOKIE]["max-age"] == 5
    # The same user from another client (no cookie): the cache marker pins them.
    seen, _ = _alias_seen(RequestFactory().get("/api/v1/donations", HTTP_AUTHORIZATION=bearer))
    assert seen["alias"] is None
    # Someone else still reads the replica.
    seen, _ = _alias_seen(RequestFactory().get("/api/v1/donations"))
    assert seen["alias"] == "replica_1"
    # Once the marker has gone, the writer reads the replica again.
    cache.delete(f"rw:{user.pk}")
    seen, _ = _alias_seen(RequestFactory().get("/api/v1/donations", HTTP_AUTHORIZATION=bearer))
    assert seen["alias"] == "replica_1"


def test_the_sticky_cookie_pins_an_anonymous_client(with_replica):
    request = RequestFactory().get("/campaigns/")
    request.COOKIES[replicas.STICKY_COOKIE] = "1"
    seen, _ = _alias_seen(request)
    assert seen["alias"] is None


@pytest.mark.parametrize(
    "header", ["Bearer x.y", "Bearer a.%%%.c", "Basic abc", "Bearer a.bnVsbA.c"]
)
def test_a_malformed_bearer_token_only_chooses_nothing(with_replica, header):
    seen, _ = _alias_seen(RequestFactory().get("/", HTTP_AUTHORIZATION=header))
    assert seen["alias"] == "replica_1"
