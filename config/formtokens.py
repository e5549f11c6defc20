"""One-time form tokens: a money-moving page form sent twice moves money once.

A double click or a resent POST (two concurrent POSTs to /campaigns/<id>/donate/
made two donations) is the page forms' version of the API's retried request,
and the answer is the same store as the API's Idempotency-Key
(config.models.IdempotencyRecord, 24 hours per user and key):

- the form carries a hidden random token (`{% load form_tokens %}{% form_token %}`);
- the view is decorated with `@once_per_form_token`: the first POST with a token
  records it in the same transaction as its effect; a repeat waits for that
  transaction (the unique key), then does nothing and redirects where the first
  one did, with a note that it was already done;
- a POST that changed nothing (the form shown again with its errors) records
  nothing, so the corrected form can be sent with the same token.

A POST without a token runs as before (old pages in open tabs keep working).
"""

import hashlib
import re
import secrets
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from config.models import IdempotencyRecord

FIELD = "form_token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
ALREADY_DONE = "That form was already sent; it was done once, not twice."


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def _key(request: HttpRequest, token: str) -> str:
    # One form's token cannot stand in for another form's.
    path = hashlib.sha256(request.path.encode()).hexdigest()[:16]
    return f"form:{path}:{token}"


def once_per_form_token(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a page view whose POST moves money (see the module docstring)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not token or not request.user.is_authenticated or not _TOKEN.match(token):
            return view(request, *args, **kwargs)
        key = _key(request, token)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=request.user, key=key, fingerprint=key.split(":")[1]
                    )
            except IntegrityError:
                # The first POST with this token has committed by now (the insert
                # waited for it): show its result instead of doing it again.
                first = IdempotencyRecord.objects.get(user=request.user, key=key)
                messages.info(request, ALREADY_DONE)
                location = bytes(first.response_body or b"").decode() or request.path
                return redirect(location)
            response = view(request, *args, **kwargs)
            if not 300 <= response.status_code < 400:
                # Nothing was done (the form is shown again): forget the token.
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            record.response_body = response["Location"].encode()
            record.save(update_fields=["response_status", "response_body"])
            return response

    return wrapper
