"""Rate limits: anonymous callers per client address, signed-in callers per user.

Rates are read on every request (not frozen at import like DRF's class
attribute), so settings and tests can change them.
"""

import time

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class _SettingsRate:
    scope: str

    def timer(self) -> float:
        # Looked up at call time (DRF binds time.time once, at import), so a
        # patched clock in tests and the real one in production both apply.
        return time.time()

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    scope = "anon"


class UserThrottle(_SettingsRate, SimpleRateThrottle):
    """Signed-in callers, per user, in two windows at once: `user_burst` (per
    minute) and `user_sustained` (per hour). DRF's throttle classes would check
    them one after the other, a cache read and a cache write each; here both
    histories are read in one round trip and written in one (measured: the
    throttles were the largest part of what DRF adds to a small request,
    docs/benchmarks.md). The rules are DRF's own: a sliding window of request
    times per scope, refused once it holds `num` requests, Retry-After from
    the oldest one."""

    scopes = ("user_burst", "user_sustained")

    def __init__(self) -> None:  # rates are read per request (see _SettingsRate)
        pass

    def allow_request(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return True  # anonymous callers are AnonThrottle's
        now = self.timer()
        windows = {}
        for scope in self.scopes:
            rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
            if rate:
                key = self.cache_format % {"scope": scope, "ident": request.user.pk}
                windows[key] = self.parse_rate(rate)
        if not windows:
            return True
        stored = self.cache.get_many(list(windows))
        updated = {}
        for key, (num_requests, duration) in windows.items():
            history = [t for t in stored.get(key, []) if t > now - duration]
            if len(history) >= num_requests:
                self.wait_seconds = duration - (now - history[-1])
                return False
            updated[key] = [now, *history]
        self.cache.set_many(updated, max(duration for _num, duration in windows.values()))
        return True

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)
