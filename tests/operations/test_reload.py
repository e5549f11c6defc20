"""gunicorn reloads under a steady request stream without failing a request.

Timing is the benchmark's business (bench/reload.py, docs/deploy.md "Reloads"):
on a shared 2-core machine a timed assertion would test the neighbours. Here:
no request fails and requests keep being answered after the signal."""

import socket

import pytest

from bench import reload as bench_reload

pytestmark = [pytest.mark.redis]

REDIS_URL = "redis://127.0.0.1:6379/11"


@pytest.fixture(autouse=True)
def _redis_or_skip():
    # More than one gunicorn worker needs the shared cache (config/gunicorn.py).
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError as exc:
        pytest.skip(f"Redis does not answer at 127.0.0.1:6379 ({exc})")


@pytest.mark.parametrize("mode", ["hup", "upgrade"])
def test_no_request_fails_while_gunicorn_reloads(mode, tmp_path):
    result = bench_reload.measure(
        workers=3, mode=mode, clients=3, warmup=2.0, after=6.0,
        redis_url=REDIS_URL, workdir=tmp_path,
    )  # fmt: skip

    after = result["after"]
    assert result["before"]["failed"] == 0, result
    assert after["failed"] == 0, (result, (tmp_path / "gunicorn.log").read_text()[-3000:])
    assert after["requests"] > 20, result  # answered through and after the reload
