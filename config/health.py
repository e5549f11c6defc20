"""What the health probes ask of the database, bounded in time.

A probe must answer within a couple of seconds whatever the database does: an
orchestrator that waits longer marks the process dead for the wrong reason, and
one that gets no answer at all cannot tell "down" from "slow". With the psycopg
pool (PostgreSQL, DEBUG off) a request waits up to DB_POOL_TIMEOUT (10 s) for a
connection; the probe waits HEALTH_TIMEOUT (1.5 s) and asks the server to give
up on the statement after as long. Without a pool the connection is Django's
own, bounded by DB_CONNECT_TIMEOUT.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection

logger = logging.getLogger("ose.health")

# Paths answered before host validation and the HTTPS redirect (config.middleware).
PROBE_PATHS = frozenset({"/api/v1/health", "/api/v1/health/ready"})


def database_answers(*, what: str = "Health check") -> bool:
    """Whether the default database answers `SELECT 1` within HEALTH_TIMEOUT seconds."""
    timeout = settings.HEALTH_TIMEOUT
    try:
        pool = connection.pool if connection.vendor == "postgresql" else None
        if pool is not None:
            pool.open()
            with pool.connection(timeout=timeout) as conn, conn.transaction():
                # SET LOCAL lasts for this transaction only: the connection goes
                # back to the pool as it came.
                conn.execute(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")
                conn.execute("SELECT 1").fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except Exception:
        logger.exception("%s: the database did not answer", what)
        return False
    return True
