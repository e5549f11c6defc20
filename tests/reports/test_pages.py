"""The report pages under /admin/reports/: who may open which, the tables, CSV."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from campaigns import services as campaigns
from tests.campaigns.factories import funded_donor, make_campaign
from tests.distribution.factories import approved_case, fund_zakat
from tests.factories import UserFactory
from tests.loans.factories import active_loan
from tests.staff.factories import staff_with

LEDGER_REPORTS = ("trial-balance", "journal", "zakat", "fund-ageing", "campaigns")


def page_client(*roles) -> Client:
    client = Client()
    client.force_login(staff_with(*roles))
    return client


@pytest.fixture
def books(db):
    donor = funded_donor("200.00")
    campaigns.donation_create(
        donor=donor, campaign=make_campaign(name="Winter blankets"), amount=Decimal("40.00")
    )
    fund_zakat("100.00")
    approved_case(approved="20.00")
    active_loan(UserFactory(), principal="600.00", months=6)


@pytest.mark.parametrize("slug", [*LEDGER_REPORTS, "portfolio"])
def test_finance_opens_every_report_and_downloads_it(books, slug):
    client = page_client("finance")

    page = client.get(f"/admin/reports/{slug}/")
    download = client.get(f"/admin/reports/{slug}/", {"export": "csv"})

    assert page.status_code == 200
    assert page.context["table"] is not None
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")


def test_the_trial_balance_page_shows_a_zero_total(books):
    response = page_client("auditor").get("/admin/reports/trial-balance/")

    summary = dict(response.context["table"].summary)
    assert summary["Total"] == Decimal("0.00")
    assert b"Download CSV" in response.content


def test_the_campaign_totals_csv_lists_each_campaign(books):
    response = page_client("finance").get("/admin/reports/campaigns/", {"export": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["campaign", "status", "target", "raised"]
    assert rows[1][:4] == ["Winter blankets", "active", "1000.00", "40.00"]


def test_the_journal_page_downloads_the_workbook(books):
    response = page_client("finance").get("/admin/reports/journal/", {"export": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_bad_date_shows_the_form_error_not_a_crash(books):
    response = page_client("finance").get(
        "/admin/reports/journal/", {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )

    assert response.status_code == 200
    assert response.context["table"] is None
    assert "start date must be on or before" in response.content.decode()


def test_a_loan_officer_reads_only_the_portfolio(books):
    client = page_client("loan_officer")

    index = client.get("/admin/reports/")

    assert [slug for slug, _ in index.context["reports"]] == ["portfolio"]
    assert client.get("/admin/reports/portfolio/").status_code == 200
    for slug in LEDGER_REPORTS:
        assert client.get(f"/admin/reports/{slug}/").status_code == 403


@pytest.mark.parametrize("role", ["zakat_officer", "campaign_manager", "administrator"])
def test_roles_without_report_permissions_are_refused(books, role):
    client = page_client(role)

    assert client.get("/admin/reports/").status_code == 403
    assert client.get("/admin/reports/trial-balance/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get("/admin/reports/trial-balance/")

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_unknown_report_is_not_found(db):
    assert page_client("finance").get("/admin/reports/nope/").status_code == 404
