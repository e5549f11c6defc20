"""E-mail messages that cost less to build.

The standard library's `email.headerregistry.HeaderRegistry` makes a new class
with `type()` for every header it parses (about 0.1 ms each on a small machine):
a receipt's dozen headers and MIME parts took half of its build time. The class
depends only on the header's name, so this registry keeps the one it made.
Headers, folding and encoding are exactly the standard `email.policy.default`'s.

    from config.mail import EmailMultiAlternatives  # instead of django.core.mail's
"""

import email.policy
from email.headerregistry import HeaderRegistry

from django.core import mail


class CachedHeaderRegistry(HeaderRegistry):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            made = self._classes[key] = super().__getitem__(name)
        return made


POLICY = email.policy.default.clone(header_factory=CachedHeaderRegistry())


class EmailMultiAlternatives(mail.EmailMultiAlternatives):
    """Django's message, built under POLICY unless the caller names another."""

    def message(self, *, policy: email.policy.Policy = POLICY):
        return super().message(policy=policy)
