"""Cross-cutting HTTP plumbing: request ids, timing, the access log and gzip."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.urls import resolve

from config.health import PROBE_PATHS
from config.logging import client_address_var, request_id_var
from config.security import client_ip

access_log = logging.getLogger("ose.access")

# A client-sent id is echoed only when it is short and plain, so it can never
# smuggle anything into headers or log lines.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Give each request an id (the client's X-Request-ID or a new UUID), time it,
    and write one structured access log line for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        supplied = request.headers.get("X-Request-ID", "")
        request.request_id = supplied if _CLIENT_REQUEST_ID.match(supplied) else str(uuid.uuid4())
        token = request_id_var.set(request.request_id)
        address_token = client_address_var.set(client_ip(request))
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            response["X-Request-ID"] = request.request_id
            response["X-Process-Time"] = f"{duration:.6f}"
            self._log(request, response.status_code, duration)
            return response
        finally:
            client_address_var.reset(address_token)
            request_id_var.reset(token)

    @staticmethod
    def _log(request, status: int, duration: float) -> None:
        user = getattr(request, "user", None)
        slow = duration > settings.SLOW_REQUEST_SECONDS
        access_log.log(
            logging.WARNING if slow else logging.INFO,
            "slow request" if slow else "request",
            extra={
                "request_id": request.request_id,
                # REMOTE_ADDR, or the proxy's X-Forwarded-For with NUM_PROXIES set.
                "client": client_address_var.get(),
                "user": str(user.pk) if user is not None and user.is_authenticated else None,
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round(duration * 1000, 2),
            },
        )


class HealthProbeMiddleware:
    """Serve the two health probes whatever ALLOWED_HOSTS and HTTPS say.

    An orchestrator probes a process from inside (Host: 127.0.0.1 or the
    container's address, plain HTTP): Django's host validation would answer 400 and
    the HTTPS redirect 301, and the probe would call a healthy process dead. For
    the exact probe paths the view is called here, after SecurityMiddleware (whose
    redirect SECURE_REDIRECT_EXEMPT skips for them, and whose headers they keep)
    and CORS, before CommonMiddleware validates the host; nothing else changes. The
    probes build no absolute URL and read no session, so the Host they arrive with
    is never used.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PROBE_PATHS and request.method in ("GET", "HEAD"):
            match = resolve(request.path_info)
            response = match.func(request, *match.args, **match.kwargs)
            if hasattr(response, "render"):
                response.render()
            return response
        return self.get_response(request)


class GZipMiddleware(DjangoGZipMiddleware):
    """Django's gzip, but only for bodies of 1000 bytes or more: below that the
    header overhead outweighs the saving."""

    min_length = 1000

    def process_response(self, request, response):
        if not response.streaming and len(response.content) < self.min_length:
            return response
        return super().process_response(request, response)
