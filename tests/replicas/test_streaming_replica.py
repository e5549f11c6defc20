"""Read replicas against a real PostgreSQL streaming replica (config/replicas.py).

The test starts its own primary cluster (initdb) and a replica of it
(pg_basebackup -R) on free ports in a temporary directory (bench/pgpair.py), and
runs tests/replicas/scenario.py against them in a process of its own, with
DATABASE_URL on the primary and DATABASE_REPLICA_URLS on the replica. The
scenario pauses WAL replay on the replica, so it lags, and shows who sees what.
Skipped where the PostgreSQL server binaries are absent."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.pgpair import PairUnavailable, start_pair

SCENARIO = Path(__file__).with_name("scenario.py")


@pytest.fixture(scope="module")
def pair():
    try:
        started = start_pair()
    except PairUnavailable as exc:
        pytest.skip(f"no PostgreSQL primary and replica on this machine: {exc}")
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def seen(pair):
    subprocess.run(  # noqa: S603
        ["psql", pair.primary_url, "-qc", "CREATE DATABASE ose"],  # noqa: S607
        check=True,
        capture_output=True,
    )
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": pair.url(pair.primary_port, "ose"),
        "DATABASE_REPLICA_URLS": pair.url(pair.replica_port, "ose"),
        "REPLICA_STICKY_SECONDS": "2",
        "STAFF_MFA": "optional",
        "ALLOWED_HOSTS": "testserver",
        "DB_POOL_MAX_SIZE": "0",
    }
    for name in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "BENCH_BASELINES"):
        env.pop(name, None)
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(SCENARIO)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_router_has_the_replica(seen):
    assert seen["replicas"] == ["replica_1"]
    assert seen["anonymous_before"] == "0.00"


def test_a_writer_reads_their_own_write_while_the_replica_lags(seen):
    assert seen["donate_status"] == 201
    assert seen["donor_after_write"] == "25.00"
    assert seen["donor_list_after_write"] == 1


def test_others_read_the_lagging_replica_until_it_replays(seen):
    assert seen["anonymous_while_lagging"] == "0.00"
    assert seen["anonymous_after_replay"] == "25.00"


def test_reads_inside_a_transaction_go_to_the_primary(seen):
    assert seen["in_transaction"] == "25.00"


def test_the_writer_reads_the_replica_again_after_the_sticky_window(seen):
    assert seen["donor_name_after_window"] == "Water wells"
    assert seen["donor_name_after_replay"] == "Water wells, phase two"
