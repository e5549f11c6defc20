"""The test harness itself: `make test` runs on two workers (pytest-xdist), and what
must not run side by side is one unit of work (tests/conftest.py); the row snapshots
the matrices take around every write read what the ORM reads."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from tests.conftest import REDIS_MODULES, SPLIT_BY_FUNCTION, unit_of_work
from tests.helpers import APP_LABELS, db_rows

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
# A live Redis: its address, the resilience fixture, or a client of its own.
USES_REDIS = re.compile(r"127\.0\.0\.1:6379|\b6379\b|\blive_redis\b|redis\.Redis\b")


def test_every_module_that_talks_to_redis_runs_in_the_redis_unit():
    users = {
        path.relative_to(ROOT).as_posix()
        for path in TESTS.rglob("test_*.py")
        if path != Path(__file__).resolve() and USES_REDIS.search(path.read_text())
    }
    assert users, "the pattern finds no Redis test at all"
    assert users <= REDIS_MODULES, f"add to REDIS_MODULES: {sorted(users - REDIS_MODULES)}"
    assert all((ROOT / module).exists() for module in REDIS_MODULES | SPLIT_BY_FUNCTION)


def test_units_of_work():
    assert unit_of_work("tests/config/test_cache.py::test_x") == "redis"
    assert unit_of_work("tests/resilience/test_redis_outage.py::test_y[silent]") == "redis"
    assert unit_of_work("tests/zakat/test_api.py::test_z[a::b]") == "tests/zakat/test_api.py"
    assert (
        unit_of_work("tests/security/test_fuzz.py::test_fuzz_user_a[GET /api/v1/x]")
        == "tests/security/test_fuzz.py::test_fuzz_user_a"
    )


@pytest.mark.django_db
def test_db_rows_reads_exactly_what_values_list_reads(world):
    rows = db_rows((*APP_LABELS, "config"))
    assert sum(map(len, rows.values())) > 50  # the world is there to be read
    for label, values in rows.items():
        model = apps.get_model(label)
        assert values == list(model._base_manager.order_by("pk").values_list()), label
    # and a change shows
    User = get_user_model()
    user = User.objects.order_by("pk").first()
    before = db_rows(("accounts",))
    User.objects.filter(pk=user.pk).update(name=user.name + "x")
    assert db_rows(("accounts",)) != before


def test_every_collected_test_has_a_node_id_of_its_own(request):
    """xdist hands out work by node id: a shared one runs once (schemathesis gives
    every operation of a fuzz test the function's)."""
    nodeids = [item.nodeid for item in request.session.items]
    assert len(nodeids) == len(set(nodeids))
