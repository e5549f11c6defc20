"""The zakat distribution API: applying (with documents), reading, deciding, paying,
the fund and the public transparency figures."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from distribution.documents import MAX_DOCUMENT_BYTES
from distribution.models import ZakatCase, ZakatCaseDocument
from staff.models import Approval
from tests.distribution.factories import (
    approved_case,
    finance,
    fund_zakat,
    officer,
    submitted_case,
)
from tests.factories import UserFactory
from tests.helpers import CASE_BODY, pdf_upload

pytestmark = pytest.mark.django_db
CASES = "/api/v1/zakat/cases"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _apply(client, *files, **fields):
    return client.post(CASES, {**CASE_BODY, **fields, "documents": list(files)}, format="multipart")


# --- Applying ------------------------------------------------------------------------------


def test_apply_by_json_answers_the_contract_fields():
    person = UserFactory()
    response = client_for(person).post(
        CASES, {**CASE_BODY, "status": "approved", "approved_amount": "9999.00"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "submitted"  # read-only fields in the body are ignored
    assert body["approved_amount"] is None
    assert body["asnaf_category"] is None
    assert body["applicant_id"] == str(person.pk)
    assert body["amount_requested"] == "300.00"
    assert set(body) >= {
        "id", "applicant_id", "beneficiary_name", "household_size", "monthly_income",
        "need_description", "amount_requested", "asnaf_category", "approved_amount",
        "disbursed_amount", "status", "rejection_reason", "created_at",
    }  # fmt: skip


@pytest.mark.parametrize(
    "changes",
    [
        {"household_size": 0},
        {"household_size": 51},
        {"household_size": "3"},
        {"monthly_income": "-1.00"},
        {"amount_requested": "0.00"},
        {"amount_requested": "10.001"},
        {"amount_requested": "1e3"},
        {"need_description": ""},
    ],
)
def test_bad_applications_are_400(changes):
    response = client_for(UserFactory()).post(CASES, {**CASE_BODY, **changes}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert not ZakatCase.objects.exists()


def test_apply_with_pdf_jpeg_and_png_documents():
    files = [
        pdf_upload(),
        SimpleUploadedFile("photo.JPG", JPEG, content_type="image/jpeg"),
        SimpleUploadedFile("scan.png", PNG, content_type="image/png"),
    ]
    response = _apply(client_for(UserFactory()), *files)
    assert response.status_code == 201, response.content
    types = sorted(doc["content_type"] for doc in response.json()["documents"])
    assert types == ["application/pdf", "image/jpeg", "image/png"]


@pytest.mark.parametrize(
    ("name", "content", "claimed"),
    [
        ("photo.jpg", b"%PDF-1.4\n%%EOF\n", "image/jpeg"),  # a PDF named .jpg
        ("letter.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
        ("page.html", b"<!doctype html><p>hi</p>", "text/html"),
        ("run.png", b"#!/bin/sh\nrm -rf /\n", "image/png"),
    ],
)
def test_documents_are_checked_by_content_not_name(name, content, claimed):
    upload = SimpleUploadedFile(name, content, content_type=claimed)
    response = _apply(client_for(UserFactory()), upload)
    assert response.status_code == 400
    assert "documents" in response.json()["details"]
    assert not ZakatCase.objects.exists()
    assert not ZakatCaseDocument.objects.exists()


def test_a_document_over_5_mb_is_refused():
    response = _apply(client_for(UserFactory()), pdf_upload(size=MAX_DOCUMENT_BYTES + 1))
    assert response.status_code == 400
    assert "5 MB" in json.dumps(response.json()["details"])
    assert _apply(client_for(UserFactory()), pdf_upload(size=MAX_DOCUMENT_BYTES)).status_code == 201


def test_documents_are_private_and_served_only_to_the_applicant_and_zakat_staff():
    person = UserFactory()
    case = submitted_case(person, documents=[pdf_upload("tenancy.pdf")])
    document = case.documents.get()
    stored = Path(document.file.path)
    assert stored.is_file()
    assert Path(django_settings.PRIVATE_MEDIA_ROOT) in stored.parents
    assert Path(django_settings.MEDIA_ROOT) not in stored.parents
    with pytest.raises(ValueError, match="no public URL"):
        _ = document.file.url

    url = f"/zakat/cases/{case.pk}/documents/{document.pk}/"
    for viewer, expected in [
        (person, 200),
        (officer(), 200),
        (UserFactory(), 403),  # another user with the URL
        (UserFactory(is_staff=True, roles=["loan_officer"]), 403),
    ]:
        client = Client()
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == expected, viewer
        if expected == 200:
            assert b"".join(response.streaming_content).startswith(b"%PDF-")
            assert response["Content-Type"] == "application/pdf"
            assert response["Content-Disposition"].startswith("attachment;")
            assert response["X-Content-Type-Options"] == "nosniff"
    assert Client().get(url).status_code == 302  # anonymous: sign in first
    # Another case's id with this document's id is no way in either.
    other = submitted_case(UserFactory())
    client = Client()
    client.force_login(other.applicant)
    assert client.get(f"/zakat/cases/{other.pk}/documents/{document.pk}/").status_code == 404
    # Nothing is reachable under the public media path.
    name = stored.relative_to(django_settings.PRIVATE_MEDIA_ROOT)
    assert Client().get(f"/media/{name}").status_code == 404
    assert client.get(f"/{django_settings.MEDIA_URL.strip('/')}/{name}").status_code == 404


# --- Reading -------------------------------------------------------------------------------


def test_applicants_see_their_own_cases_and_zakat_staff_see_all():
    mine = submitted_case(UserFactory())
    theirs = submitted_case(UserFactory())
    listed = client_for(mine.applicant).get(CASES).json()["items"]
    assert [row["id"] for row in listed] == [str(mine.pk)]
    assert client_for(mine.applicant).get(f"{CASES}/{theirs.pk}").status_code == 403
    every = client_for(officer()).get(CASES).json()["items"]
    assert {row["id"] for row in every} == {str(mine.pk), str(theirs.pk)}
    # A role without zakat work sees only its own (none).
    loans = UserFactory(is_staff=True, roles=["loan_officer"])
    assert client_for(loans).get(CASES).json()["items"] == []


def test_filter_by_status_and_bad_filters_are_400():
    submitted_case(UserFactory())
    approved_case()
    staff = client_for(officer())
    assert [r["status"] for r in staff.get(f"{CASES}?status=approved").json()["items"]] == [
        "approved"
    ]
    assert staff.get(f"{CASES}?status=bogus").status_code == 400
    assert staff.get(f"{CASES}?limit=0").status_code == 400


# --- Deciding and paying -------------------------------------------------------------------


def test_approve_reject_and_invalid_transition_codes():
    case = submitted_case(UserFactory())
    staff = client_for(officer())
    bad = staff.post(
        f"{CASES}/{case.pk}/approve", {"asnaf_category": "x", "approved_amount": "1"}, format="json"
    )
    assert bad.status_code == 400
    ok = staff.post(
        f"{CASES}/{case.pk}/approve",
        {"asnaf_category": "riqab", "approved_amount": "120.00"},
        format="json",
    )
    assert ok.status_code == 200
    assert (ok.json()["status"], ok.json()["asnaf_category"]) == ("approved", "riqab")
    again = staff.post(f"{CASES}/{case.pk}/reject", {"reason": "No"}, format="json")
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_transition"


def test_the_applicant_sees_the_rejection_reason():
    case = submitted_case(UserFactory())
    client_for(officer()).post(
        f"{CASES}/{case.pk}/reject", {"reason": "Please add a tenancy letter"}, format="json"
    )
    body = client_for(case.applicant).get(f"{CASES}/{case.pk}").json()
    assert (body["status"], body["rejection_reason"]) == ("rejected", "Please add a tenancy letter")


def test_an_officer_cannot_act_on_their_own_case():
    staff = officer()
    case = submitted_case(staff)
    response = client_for(staff).post(
        f"{CASES}/{case.pk}/approve",
        {"asnaf_category": "fuqara", "approved_amount": "10.00"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"] == "conflict_of_interest"


def test_disbursement_answers_202_and_the_second_person_pays():
    fund_zakat("500.00")
    person = UserFactory()
    case = approved_case(person, approved="200.00")
    asked = client_for(officer()).post(
        f"{CASES}/{case.pk}/disbursements", {"amount": "200.00", "method": "wallet"}, format="json"
    )
    assert asked.status_code == 202
    approval = asked.json()["approval"]
    assert (approval["kind"], approval["status"], approval["amount"]) == (
        "zakat_disbursement",
        "pending",
        "200.00",
    )
    done = client_for(finance()).post(f"/api/v1/approvals/{approval['id']}/approve")
    assert done.status_code == 200
    assert done.json()["status"] == "executed"
    assert client_for(person).get(f"{CASES}/{case.pk}").json()["status"] == "disbursed"
    assert client_for(person).get("/api/v1/wallet").json()["balance"] == "200.00"
    kinds = [
        t["kind"] for t in client_for(person).get("/api/v1/wallet/transactions").json()["items"]
    ]
    assert kinds == ["zakat_disbursement"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "200.01", "method": "wallet"}, 400, "exceeds_approved_amount"),
        ({"amount": "50.00", "method": "cheque"}, 400, "validation_error"),
        ({"amount": "50.00", "method": "wallet", "source": "sadaqah"}, 400, "validation_error"),
        ({"amount": "0", "method": "wallet"}, 400, "validation_error"),
        ({"amount": "50.00", "method": "wallet", "source": "campaign"}, 400, "validation_error"),
    ],
)
def test_disbursement_refusals(body, status, code):
    fund_zakat("500.00")
    case = approved_case(approved="200.00")
    response = client_for(officer()).post(f"{CASES}/{case.pk}/disbursements", body, format="json")
    assert (response.status_code, response.json()["error"]) == (status, code)
    assert not Approval.objects.exists()


def test_a_short_fund_is_402():
    case = approved_case(approved="200.00")
    response = client_for(officer()).post(
        f"{CASES}/{case.pk}/disbursements", {"amount": "10.00", "method": "wallet"}, format="json"
    )
    assert response.status_code == 402
    assert response.json()["error"] == "insufficient_funds"


def test_not_in_four_eyes_the_case_is_paid_at_once(settings):
    settings.FOUR_EYES = []
    fund_zakat("500.00")
    case = approved_case(approved="200.00")
    response = client_for(officer()).post(
        f"{CASES}/{case.pk}/disbursements", {"amount": "50.00", "method": "external"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["disbursed_amount"] == "50.00"


# --- Transparency --------------------------------------------------------------------------


def test_transparency_shows_totals_per_category_and_never_a_name(settings):
    settings.FOUR_EYES = []
    fund_zakat("1000.00")
    from distribution import services

    secret = "Fatima Zahra Secretname"
    case = services.zakat_case_approve(
        case=submitted_case(UserFactory(name=secret, email="fatima.secret@example.org")),
        by=officer(),
        asnaf_category="masakin",
        approved_amount=Decimal("150.00"),
    )
    services.zakat_disbursement_request(case=case, by=officer(), amount="150.00", method="wallet")
    response = APIClient().get("/api/v1/zakat/transparency")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"hijri_year", "collected", "distributed", "by_category"}
    assert body["collected"] == "1000.00"
    assert body["distributed"] == "150.00"
    masakin = next(row for row in body["by_category"] if row["category"] == "masakin")
    assert masakin == {"category": "masakin", "amount": "150.00", "cases": 1}
    page = Client().get("/transparency/")
    assert page.status_code == 200
    for text in (response.content.decode(), page.content.decode()):
        assert "Secretname" not in text
        assert "fatima.secret" not in text
        assert str(case.pk) not in text
    assert "150.00" in page.content.decode()


def test_the_fund_is_for_finance_zakat_officers_and_auditors():
    for role, expected in [
        ("finance", 200),
        ("zakat_officer", 200),
        ("auditor", 200),
        ("loan_officer", 403),
        ("campaign_manager", 403),
    ]:
        user = UserFactory(is_staff=True, roles=[role])
        assert client_for(user).get("/api/v1/zakat/fund").status_code == expected, role
    assert client_for(UserFactory()).get("/api/v1/zakat/fund").status_code == 403
    assert APIClient().get("/api/v1/zakat/fund").status_code == 401
