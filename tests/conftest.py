"""Fixtures shared by every test, and the rule that keeps the PostgreSQL pass honest."""

import os
from collections import Counter

import pytest
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.helpers import build_world

PASSWORD = "correct-horse-battery-staple"

# CI's PostgreSQL pass sets this: it is the pass that proves locking, triggers and
# the fuzzing, so a `postgres`-marked test that skips there (a fixture gave up, a
# service was down) fails the run instead of leaving it green with nothing proven.
REQUIRE_POSTGRES_TESTS = os.environ.get("REQUIRE_POSTGRES_TESTS") == "1"

# `make test` keeps the property tests' own example counts; HYPOTHESIS_PROFILE=thorough
# searches longer: 1000 examples where a test sets no count of its own, and the money
# state machine (tests/security/test_money_state_machine.py) runs 25 sequences, not 4.
hypothesis_settings.register_profile("thorough", max_examples=1000)
if os.environ.get("HYPOTHESIS_PROFILE"):
    hypothesis_settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    skipped = report.skipped and not hasattr(report, "wasxfail")  # an xfail is not a skip
    if REQUIRE_POSTGRES_TESTS and skipped and item.get_closest_marker("postgres"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        reason = str(reason).removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = (
            f"REQUIRE_POSTGRES_TESTS=1 and this PostgreSQL-only test was skipped: {reason}"
        )
    return report


# --- Two workers (pytest-xdist; `make test` runs `-n 2 --dist loadscope`) ------------------
# pytest-django gives each worker a test database of its own (test_<name>_gw0, _gw1).
# Work goes out a module at a time, so a module's world (the `world` fixture, the
# roles matrix's) is built once, as in a single process. The modules below talk to
# the one Redis server: fixed database numbers that they clear, and server-wide
# counters (connections accepted) that another worker's traffic would upset. They
# form one unit of work, so they run one after another on the same worker.
REDIS_MODULES = {
    "tests/campaigns/test_websocket.py",
    "tests/config/test_cache.py",
    "tests/config/test_realtime.py",
    "tests/integration/test_metrics_gunicorn.py",
    "tests/integration/test_multiprocess.py",
    "tests/operations/test_reload.py",
    "tests/operations/test_serve.py",
    "tests/resilience/test_redis_outage.py",
    "tests/resilience/test_throttle_concurrency.py",
}
# The fuzzer's three identities are each a long unit; they may run side by side.
SPLIT_BY_FUNCTION = {"tests/security/test_fuzz.py"}


def unit_of_work(nodeid: str) -> str:
    """The unit of work a test belongs to under `--dist loadscope`."""
    path = nodeid.split("::", 1)[0]
    if path in REDIS_MODULES:
        return "redis"
    if path in SPLIT_BY_FUNCTION:
        return nodeid.split("[", 1)[0]
    return path


def pytest_collection_modifyitems(items):
    # Schemathesis names its items after their operation but gives them all the test
    # function's node id; xdist hands work out by node id, so under it all but one
    # operation would silently not run. Each gets the id pytest gives any item of
    # its name (tests/config/test_test_harness.py checks that ids are unique).
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and item.parent is not None:
            item._id = item.parent.id.child(item.name)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    return UnitScheduling(config, log)


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """`postgres`-marked tests prove what only PostgreSQL has (row locks under real
    concurrency, triggers); elsewhere they skip."""
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (the PostgreSQL pass of CI runs it).")


@pytest.fixture(autouse=True, scope="session")
def _private_media(tmp_path_factory):
    # Applicants' documents go to a directory of the run's own, never the repository.
    from django.conf import settings as django_settings

    django_settings.PRIVATE_MEDIA_ROOT = tmp_path_factory.mktemp("private_media")


@pytest.fixture(autouse=True, scope="session")
def _media_root(tmp_path_factory):
    # Uploaded covers go to a directory of the run's own, never the repository.
    from django.conf import settings as django_settings

    django_settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production uses WhiteNoise's manifest storage, which needs collectstatic;
    # tests serve the source files directly.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # Argon2 is deliberately slow; tests that check it opt back in explicitly. For the
    # whole session, so that the module-wide worlds (set up before any function-scoped
    # fixture) hash their users' passwords fast too.
    with override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.Argon2PasswordHasher",
        ]
    ):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    # LocaleMiddleware activates a request's language in the thread and never
    # resets it (each request sets its own); in tests, code run after an Arabic
    # request (a service sending an e-mail) must not inherit Arabic.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters live in the cache; no test may inherit another's.
    cache.clear()
    caches["templates"].clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One `build_world()` for the whole module, built once inside a transaction that
    is rolled back at the end; each test runs its requests in savepoints."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory(password=PASSWORD)


@pytest.fixture
def other_user(db):
    return UserFactory(password=PASSWORD)


@pytest.fixture
def staff_user(db):
    return UserFactory(password=PASSWORD, is_staff=True)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def login_tokens(client: APIClient, email: str, password: str = PASSWORD) -> dict:
    response = client.post(
        "/api/v1/auth/login", {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def auth_client(user) -> APIClient:
    client = APIClient()
    tokens = login_tokens(client, user.email)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    client.user = user
    return client


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    client = APIClient()
    tokens = login_tokens(client, staff_user.email)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    client.user = staff_user
    return client
