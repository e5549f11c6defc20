"""The rate limits hold under concurrency: 150 requests at once against a limit
of 100 let exactly 100 through (DRF's read-then-write let 111 through), and the
answer past the limit is still 429 `throttled` with Retry-After."""

import threading

import pytest
from rest_framework.test import APIClient, APIRequestFactory

from config.api.throttling import AnonThrottle, UserThrottle, throttle_hit

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

CONCURRENT = 150
LIMIT = 100


def run_at_once(count, call):
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def rates(settings, **overrides):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            **overrides,
        },
    }


def test_anon_limit_is_exact_under_concurrency(live_redis, settings):
    rates(settings, anon=f"{LIMIT}/minute")
    request = APIRequestFactory().get("/api/v1/health", REMOTE_ADDR="10.20.30.40")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()

    allowed = run_at_once(CONCURRENT, lambda: AnonThrottle().allow_request(request, None))

    assert allowed.count(True) == LIMIT


def test_user_windows_are_exact_under_concurrency(live_redis, settings, user):
    rates(settings, user_burst=f"{LIMIT}/minute", user_sustained="1000/hour")
    request = APIRequestFactory().get("/api/v1/wallet")
    request.user = user

    allowed = run_at_once(CONCURRENT, lambda: UserThrottle().allow_request(request, None))

    assert allowed.count(True) == LIMIT


def test_both_windows_are_checked_before_either_records(live_redis):
    windows = {"throttle_a_1": (5, 60), "throttle_b_1": (2, 60)}
    assert [throttle_hit(windows, now=1000.0 + i) for i in range(2)] == [0.0, 0.0]
    # The tighter window refuses: the looser one records nothing either.
    assert throttle_hit(windows, now=1002.0) == pytest.approx(58.0)
    assert throttle_hit({"throttle_a_1": (5, 60)}, now=1003.0) == 0.0  # 3rd of 5
    assert throttle_hit({"throttle_a_1": (5, 60)}, now=1004.0) == 0.0
    assert throttle_hit({"throttle_a_1": (5, 60)}, now=1005.0) == 0.0
    assert throttle_hit({"throttle_a_1": (5, 60)}, now=1006.0) > 0


def test_over_the_limit_is_429_throttled_with_retry_after(live_redis, settings):
    rates(settings, anon="2/minute")
    client = APIClient()
    codes = [client.get("/api/v1/health").status_code for _ in range(2)]
    refused = client.get("/api/v1/health")

    assert codes == [200, 200]
    assert refused.status_code == 429
    assert refused.json()["error"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
