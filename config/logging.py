"""Request-scoped context for log records."""

import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# The caller's address (config.security.client_ip), for the audit trail; "" outside a request.
client_address_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "client_address", default=""
)


class RequestIdFilter(logging.Filter):
    """Stamp every record with the id of the request being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True
