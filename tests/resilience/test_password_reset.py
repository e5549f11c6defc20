"""The password reset page: rate limited per client address and per e-mail, and
the mail goes out from the task queue, so the page answers the same (and does
the same work) for an address with an account and one without."""

from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import tasks

pytestmark = pytest.mark.django_db

PATH = "/accounts/password/reset/"


def reset(client, email, ip="10.5.5.5"):
    return client.post(PATH, {"email": email}, REMOTE_ADDR=ip)


def test_thirty_requests_send_five_mails(user, mailoutbox, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        codes = [reset(client, user.email).status_code for _ in range(30)]

    assert codes[:5] == [302] * 5  # THROTTLE_PASSWORD_RESET_EMAIL, 5/hour
    assert set(codes[5:]) == {429}
    assert len(mailoutbox) == 5


def test_refused_answer_says_when_to_retry(user):
    client = Client()
    for _ in range(5):
        reset(client, user.email)
    refused = reset(client, user.email)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many reset requests" in refused.content.decode()


def test_per_address_limit_across_many_emails(settings):
    client = Client()
    codes = [reset(client, f"someone{i}@example.org").status_code for i in range(12)]
    assert codes == [302] * 10 + [429] * 2
    # Another address is not affected.
    assert reset(client, "someone0@example.org", ip="10.6.6.6").status_code == 302


def test_same_answer_and_same_work_for_known_and_unknown_accounts(user):
    client = Client()
    answers = {}
    with mock.patch("accounts.views.enqueue_with_transaction") as enqueue:
        for name, email in (("known", user.email), ("unknown", "nobody@example.org")):
            with CaptureQueriesContext(connection) as queries:
                response = reset(client, email, ip=f"10.7.7.{len(answers)}")
            tables = sorted(
                {q["sql"].split('FROM "')[1].split('"')[0] for q in queries if 'FROM "' in q["sql"]}
            )
            answers[name] = (response.status_code, response["Location"], len(queries), tables)

    assert answers["known"] == answers["unknown"]
    assert all("accounts_user" not in answer[3] for answer in answers.values())
    assert enqueue.call_count == 2


def test_the_task_mails_only_real_accounts(user, mailoutbox):
    tasks.send_password_reset.call("nobody@example.org", "testserver", False)
    assert mailoutbox == []
    tasks.send_password_reset.call(user.email, "testserver", False)
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/" in mailoutbox[0].body
