"""`make serve` (scripts/serve.py): addresses from the environment, no silent
SQLite under a multi-process layout, and nginx logging JSON with the request id
it hands to the app."""

import argparse
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.operations import procs

SERVE = procs.BASE_DIR / "scripts" / "serve.py"


def _serve_module():
    spec = importlib.util.spec_from_file_location("ose_serve", SERVE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


serve = _serve_module()


def _check(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, str(SERVE), "--check"],
        cwd=procs.BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_redis_without_a_database_url_is_refused_with_the_way_out():
    result = _check(REDIS_URL="redis://127.0.0.1:6379/0")

    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "SERVE_ALLOW_SQLITE=1" in result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"REDIS_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgres://u@h:5432/n"},
        {"REDIS_URL": "redis://127.0.0.1:6379/0", "SERVE_ALLOW_SQLITE": "1"},
        {},
    ],
)
def test_a_database_url_or_the_explicit_allowance_passes(env):
    assert _check(**env).returncode == 0


def _args(**overrides) -> argparse.Namespace:
    values = {
        "host": "127.0.0.1",
        "port": 8000,
        "http_bind": "",
        "ws_port": 8011,
        "nginx": "/usr/sbin/nginx",
        "no_proxy": False,
    }
    return argparse.Namespace(**{**values, **overrides})


def _web_bind(cmds) -> str:
    web = dict(cmds)["web"]
    return web[web.index("--bind") + 1]


def test_gunicorn_bind_is_respected_behind_nginx(tmp_path):
    cmds = serve.commands(_args(http_bind="127.0.0.1:9123", ws_port=9124), tmp_path)

    assert _web_bind(cmds) == "127.0.0.1:9123"
    ws = dict(cmds)["ws"]
    assert ws[ws.index("--port") + 1] == "9124"
    conf = (tmp_path / "nginx.conf").read_text()
    assert "server 127.0.0.1:9123;" in conf
    assert "server 127.0.0.1:9124;" in conf
    assert "8010" not in conf


def test_gunicorn_bind_is_respected_without_nginx(tmp_path):
    cmds = serve.commands(_args(http_bind="127.0.0.1:9125", nginx="", no_proxy=True), tmp_path)

    assert _web_bind(cmds) == "127.0.0.1:9125"
    assert "proxy" not in dict(cmds)


def test_defaults_are_unchanged(tmp_path):
    assert _web_bind(serve.commands(_args(), tmp_path)) == "127.0.0.1:8010"
    assert _web_bind(serve.commands(_args(nginx="", no_proxy=True), tmp_path)) == "127.0.0.1:8000"


def test_the_command_line_reads_gunicorn_bind_and_ws_port(monkeypatch, tmp_path):
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9200")
    monkeypatch.setenv("WS_PORT", "9201")
    seen = {}
    monkeypatch.setattr(sys, "argv", ["serve.py", "--check"])
    monkeypatch.delenv("REDIS_URL", raising=False)
    real_parse = argparse.ArgumentParser.parse_args

    def spy(self, *a, **kw):
        args = real_parse(self, *a, **kw)
        seen.update(vars(args))
        return args

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", spy)

    assert serve.main() == 0
    assert (seen["http_bind"], seen["ws_port"]) == ("127.0.0.1:9200", 9201)


@pytest.mark.skipif(not serve.find_nginx(), reason="nginx is not installed (nginx-light)")
def test_behind_nginx_one_request_id_runs_through_nginx_and_the_app(tmp_path):
    port, web_port, ws_port = procs.free_port(), procs.free_port(), procs.free_port()
    log = tmp_path / "serve.log"
    env = {
        **procs.production_env(
            DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
            ALLOWED_HOSTS="127.0.0.1",
            HTTPS="0",
            GUNICORN_BIND=f"127.0.0.1:{web_port}",
            WS_PORT=str(ws_port),
            PORT=str(port),
        ),
    }
    proc = subprocess.Popen(  # noqa: S603 (our own script)
        [sys.executable, str(SERVE)],
        cwd=procs.BASE_DIR,
        env=env,
        # Appending: nginx reopens /dev/stdout itself, the others share one offset.
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        procs.wait_until_listening(proc, web_port, log)
        procs.wait_until_listening(proc, port, log)
        given = procs.get(port, "/api/v1/health", headers={"X-Request-ID": "edge-1"})
        generated = procs.get(port, "/api/v1/health")
        time.sleep(1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    nginx = [x for x in lines if x["logger"] == "nginx.access"]
    app = [x for x in lines if x["logger"] == "ose.access"]
    assert given[0] == generated[0] == 200, log.read_text()[-3000:]
    new_id = generated[2]["X-Request-ID"]
    assert [x["request_id"] for x in nginx] == ["edge-1", new_id], log.read_text()[-3000:]
    assert [x["request_id"] for x in app] == ["edge-1", new_id]
    assert len(new_id) == 32  # nginx's $request_id, not one the app made up
    assert {x["client"] for x in nginx + app} == {"127.0.0.1"}
    assert [x["status"] for x in nginx] == [200, 200]


@pytest.mark.skipif(not serve.find_nginx(), reason="nginx is not installed (nginx-light)")
def test_the_deploy_nginx_conf_is_valid_and_passes_the_request_id(tmp_path):
    """deploy/nginx.conf is a conf.d file: wrap it in an http block, with the
    compose service names pointed at the loopback so nginx -t can resolve them."""
    site = (procs.BASE_DIR / "deploy" / "nginx.conf").read_text()
    assert site.count("proxy_set_header X-Request-ID $ose_request_id;") == 2  # / and /ws/
    assert "access_log /dev/stdout ose_json;" in site
    site = site.replace("server web:8000;", "server 127.0.0.1:8000;")
    site = site.replace("server ws:8001;", "server 127.0.0.1:8001;")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "main.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{ include {tmp_path}/site.conf; }}\n"
    )

    result = subprocess.run(  # noqa: S603 (nginx's own syntax check)
        [serve.find_nginx(), "-t", "-c", str(tmp_path / "main.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 0, result.stderr
