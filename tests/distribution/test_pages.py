"""The zakat distribution pages: apply (with inline errors), my applications, transparency."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from distribution.models import ZakatCase
from tests.distribution.factories import submitted_case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "household_size": "3",
    "monthly_income": "100.00",
    "need_description": "Rent",
    "amount_requested": "250.00",
}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ("/zakat/apply/", "/zakat/cases/"):
        assert "/accounts/login/" in client.get(url)["Location"]


def test_apply_on_the_page_and_see_it_listed(client):
    person = UserFactory()
    client.force_login(person)
    response = client.post("/zakat/apply/", FORM)
    assert response.status_code == 302
    assert ZakatCase.objects.get().applicant == person
    listed = client.get("/zakat/cases/")
    assert b"Submitted" in listed.content


def test_a_wrong_document_shows_an_inline_error_and_saves_nothing(client):
    client.force_login(UserFactory())
    html = SimpleUploadedFile("cv.pdf", b"<html></html>", content_type="application/pdf")
    response = client.post("/zakat/apply/", {**FORM, "documents": [html]})
    assert response.status_code == 200
    assert b"Only PDF, JPEG and PNG" in response.content
    assert not ZakatCase.objects.exists()


def test_my_applications_show_only_mine(client):
    mine = submitted_case(UserFactory())
    submitted_case(UserFactory(), amount="777.00")
    client.force_login(mine.applicant)
    content = client.get("/zakat/cases/").content.decode()
    assert "500.00" in content
    assert "777.00" not in content
