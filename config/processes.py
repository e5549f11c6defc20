"""The command line of every process type, built in one place.

    web      gunicorn, config/gunicorn.py, config.wsgi    every HTTP request
    ws       uvicorn, config.asgi                          /ws/ only
    worker   manage.py db_worker                           django.tasks queue
    release  manage.py migrate (and collectstatic)         once per deploy

`scripts/serve.py`, `bench/run.py` and the multi-process test start their
processes from these functions. `deploy/Procfile`, `deploy/compose.yaml` and
`deploy/Dockerfile` write the same commands down for a platform;
`tests/config/test_processes.py` holds those files to what this module builds
(`python -m config.processes` prints the lines they must contain).

Without `python`, the programs are named as a platform finds them on its PATH
(`gunicorn ...`, `python manage.py ...`). With `python=sys.executable` they run
under that interpreter (`python -m gunicorn ...`), so the tools of the running
virtualenv start even when its bin/ is not on the PATH.
"""

from __future__ import annotations

import json
import shlex

GUNICORN_CONFIG = "config/gunicorn.py"
WSGI_APPLICATION = "config.wsgi"
ASGI_APPLICATION = "config.asgi:application"
# The lighter websocket protocol of uvicorn; no lifespan events (Django has none),
# no access log (the app logs its own lines) and the JSON log format of every
# process (config/logging.py writes config/uvicorn-logging.json).
UVICORN_LOG_CONFIG = "config/uvicorn-logging.json"
UVICORN_OPTIONS = (
    "--lifespan",
    "off",
    "--no-access-log",
    "--ws",
    "websockets-sansio",
    "--log-config",
    UVICORN_LOG_CONFIG,
)


def _program(name: str, python: str | None) -> list[str]:
    return [name] if python is None else [python, "-m", name]


def web(*, bind: str, python: str | None = None) -> list[str]:
    """gunicorn with the project's settings: sync workers, WEB_CONCURRENCY of them."""
    return [*_program("gunicorn", python), "-c", GUNICORN_CONFIG, "--bind", bind, WSGI_APPLICATION]


def web_bare(*, bind: str, python: str | None = None) -> list[str]:
    """gunicorn as a newcomer starts it: no config file, gunicorn's own defaults."""
    return [*_program("gunicorn", python), "--bind", bind, WSGI_APPLICATION]


def ws(
    *, host: str, port: int | str, workers: int | None = None, python: str | None = None
) -> list[str]:
    """uvicorn for /ws/; `workers` omitted leaves uvicorn's default (one process)."""
    cmd = [
        *_program("uvicorn", python),
        ASGI_APPLICATION,
        "--host",
        host,
        "--port",
        str(port),
        *UVICORN_OPTIONS,
    ]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    return cmd


def manage(*args: str, python: str | None = None) -> list[str]:
    return [python or "python", "manage.py", *args]


def worker(*, interval: float, python: str | None = None) -> list[str]:
    """The task worker; `interval` is how long it sleeps when the queue is empty (s)."""
    return manage("db_worker", "--interval", f"{interval:g}", python=python)


def release(python: str | None = None) -> list[list[str]]:
    """What runs once per deploy, before new code takes traffic."""
    return [
        manage("migrate", "--noinput", python=python),
        manage("collectstatic", "--noinput", python=python),
    ]


# --- the deployment files -------------------------------------------------------------
# Each process as deploy/ writes it: listening on every interface of its container,
# ports from the platform ($PORT, $WS_PORT) in the Procfile, fixed ones in compose.
# Only the proxy (or the platform's router) reaches those interfaces.
CONTAINER_HOST = "0.0.0.0"  # noqa: S104


def procfile_lines() -> list[str]:
    """The process lines of deploy/Procfile (a shell runs them: $PORT expands)."""

    def line(cmd: list[str]) -> str:
        # Not shlex.join: "${PORT:-8000}" must reach the shell unquoted.
        return " ".join(cmd)

    return [
        "release: " + " && ".join(line(cmd) for cmd in release()),
        "web: " + line(web(bind=f"{CONTAINER_HOST}:${{PORT:-8000}}")),
        "ws: " + line(ws(host=CONTAINER_HOST, port="${WS_PORT:-8001}")),
        "worker: " + line(worker(interval=1)),
    ]


def compose_commands() -> dict[str, list[str]]:
    """The `command` of each application service of deploy/compose.yaml."""
    return {
        "migrate": manage("migrate", "--noinput"),
        "web": web(bind=f"{CONTAINER_HOST}:8000"),
        "ws": ws(host=CONTAINER_HOST, port=8001),
        "worker": worker(interval=1),
    }


def dockerfile_cmd() -> str:
    """The image's default command (deploy/Dockerfile's CMD): the web process."""
    return "CMD " + json.dumps(compose_commands()["web"])


if __name__ == "__main__":
    print("# deploy/Procfile")
    print("\n".join(procfile_lines()))
    print("\n# deploy/compose.yaml")
    for name, cmd in compose_commands().items():
        print(f"{name}: {json.dumps(cmd)}")
    print("\n# deploy/Dockerfile")
    print(dockerfile_cmd())
    print("\n# docs/deploy.md")
    for name, cmd in compose_commands().items():
        print(f"{name}: {shlex.join(cmd)}")
