"""Rate limits: anonymous callers per client address, signed-in callers per user.

Rates are read on every request (not frozen at import like DRF's class
attribute), so settings and tests can change them.
"""

import time

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


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


class _UserThrottle(_SettingsRate, UserRateThrottle):
    def allow_request(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return True  # anonymous callers are AnonThrottle's
        return super().allow_request(request, view)


class UserBurstThrottle(_UserThrottle):
    scope = "user_burst"


class UserSustainedThrottle(_UserThrottle):
    scope = "user_sustained"
