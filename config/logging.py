"""One JSON log format for every process, and the request id in every line.

Django (settings.LOGGING), gunicorn (config/gunicorn.py, `logconfig_dict`),
uvicorn (config/uvicorn-logging.json, `--log-config`) and the task worker
(Django's settings) all write one JSON object per line through the same
formatter: `time`, `level`, `logger`, `message`, `request_id`, and the record's
own fields. The request id is the one the proxy passed as X-Request-ID (nginx's
$request_id) or the client's, echoed by the app; a task enqueued while a request
is served carries it to the worker (config.taskqueue), whose lines then say it.
Nothing here imports Django: gunicorn and uvicorn load it before the app.
"""

import contextvars
import logging

from pythonjsonlogger.core import RESERVED_ATTRS

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# The caller's address (config.security.client_ip), for the audit trail; "" outside a request.
client_address_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "client_address", default=""
)

JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    # Django's log_response adds the request object itself (its id is enough);
    # uvicorn adds a copy of each message with terminal colours.
    "reserved_attrs": [*RESERVED_ATTRS, "request", "color_message"],
}


class RequestIdFilter(logging.Filter):
    """Stamp every record with the id of the request being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = request_id_var.get()
            if request_id == "-":
                # Django logs a 4xx/5xx answer after the middleware have returned
                # (outside RequestIdMiddleware's context), with the request attached.
                request_id = getattr(getattr(record, "request", None), "request_id", "-")
            record.request_id = request_id
        return True


class GunicornAccessFilter(logging.Filter):
    """gunicorn's access records carry their data as a dict of "atoms" in
    `record.args`: give them the fields of the app's own access line."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args if isinstance(record.args, dict) else {}
        if atoms:
            record.client = atoms.get("h")
            record.forwarded_for = atoms.get("{x-forwarded-for}i")
            record.method = atoms.get("m")
            record.path = atoms.get("U")
            record.status = int(atoms["s"]) if str(atoms.get("s", "")).isdigit() else None
            record.duration_ms = atoms.get("M")
            supplied = atoms.get("{x-request-id}i")
            record.request_id = supplied if supplied and supplied != "-" else "-"
            record.msg, record.args = "request", ()
        return True


def _handler(stream: str = "ext://sys.stderr", *filters: str) -> dict:
    return {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["request_id", *filters],
        "stream": stream,
    }


def gunicorn_logconfig(*, level: str, access: bool) -> dict:
    """gunicorn's `logconfig_dict`: its error and access loggers in JSON. The access
    logger is off unless asked for: the app writes one access line per request
    (config.middleware), with the user and the client address by NUM_PROXIES."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "config.logging.RequestIdFilter"},
            "gunicorn_access": {"()": "config.logging.GunicornAccessFilter"},
        },
        "formatters": {"json": JSON_FORMATTER},
        "handlers": {
            "error": _handler(),
            "access": {**_handler("ext://sys.stdout"), "filters": ["gunicorn_access"]},
        },
        "root": {"handlers": ["error"], "level": level},
        "loggers": {
            "gunicorn.error": {"handlers": ["error"], "level": level, "propagate": False},
            "gunicorn.access": {
                "handlers": ["access"],
                "level": "INFO" if access else "WARNING",
                "propagate": False,
            },
        },
    }


def uvicorn_logconfig(*, level: str = "INFO") -> dict:
    """uvicorn's `--log-config` (written to config/uvicorn-logging.json)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
        "formatters": {"json": JSON_FORMATTER},
        "handlers": {"console": _handler()},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": ["console"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["console"], "level": level, "propagate": False},
        },
    }


if __name__ == "__main__":  # python -m config.logging > config/uvicorn-logging.json
    import json

    print(json.dumps(uvicorn_logconfig(), indent=2))
