"""The reports API: trial balance, journal export (CSV, XLSX), portfolio at risk."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import LedgerEntry
from campaigns import services as campaigns
from reports import selectors
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory, fund_wallet
from tests.loans.factories import active_loan, pending_loan
from tests.staff.factories import staff_with

V1 = "/api/v1/reports/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def xlsx_rows(content: bytes) -> list[list[str]]:
    """The first sheet's cells as text (the workbook's own XML; no reader library)."""
    import zipfile
    from xml.etree import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    return [
        ["".join(cell.itertext()) for cell in row.findall("m:c", ns)]
        for row in sheet.iter(f"{{{ns['m']}}}row")
    ]


@pytest.fixture
def finance(db):
    return staff_with("finance")


# --- trial balance ----------------------------------------------------------------------


def test_trial_balance_lists_each_kind_and_totals_zero(finance):
    donor = funded_donor("300.00")
    campaign = make_campaign()
    campaigns.donation_create(donor=donor, campaign=campaign, amount=Decimal("40.00"))

    response = client_for(finance).get(V1 + "trial-balance")

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == "0.00"
    balances = {line["kind"]: line["balance"] for line in body["accounts"]}
    assert balances["wallet"] == "260.00"
    assert balances["campaign_fund"] == "40.00"
    assert balances["external"] == "-300.00"
    assert body["as_of"] == timezone.localdate().isoformat()


def test_trial_balance_as_of_a_past_date_leaves_later_postings_out(finance):
    with freeze_time("2026-03-10 12:00:00"):
        fund_wallet(UserFactory(), "100.00")
    with freeze_time("2026-03-12 12:00:00"):
        fund_wallet(UserFactory(), "25.00")

    body = client_for(finance).get(V1 + "trial-balance", {"as_of": "2026-03-11"}).json()

    assert {line["kind"]: line["balance"] for line in body["accounts"]} == {
        "external": "-100.00",
        "wallet": "100.00",
    }
    assert body["total"] == "0.00"


@pytest.mark.parametrize("as_of", ["yesterday", "2026-02-30", "2026-13-01"])
def test_trial_balance_refuses_a_bad_date(finance, as_of):
    response = client_for(finance).get(V1 + "trial-balance", {"as_of": as_of})

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert "as_of" in response.json()["details"]


@pytest.mark.parametrize("role", ["finance", "auditor"])
def test_ledger_reports_are_for_finance_and_auditors(db, role):
    client = client_for(staff_with(role))
    assert client.get(V1 + "trial-balance").status_code == 200
    assert client.get(V1 + "journal").status_code == 200


@pytest.mark.parametrize("role", ["loan_officer", "zakat_officer", "campaign_manager"])
def test_other_roles_may_not_read_the_ledger(db, role):
    client = client_for(staff_with(role))
    assert client.get(V1 + "trial-balance").status_code == 403
    assert client.get(V1 + "journal").status_code == 403


# --- journal --------------------------------------------------------------------------


def test_journal_of_a_range_re_sums_to_the_ledger_movement_of_that_range(finance):
    donor = UserFactory()
    with freeze_time("2026-04-01 09:00:00"):
        fund_wallet(donor, "500.00")  # before the range
        campaign = make_campaign()
    with freeze_time("2026-04-02 10:00:00"):
        fund_wallet(donor, "70.00")
    with freeze_time("2026-04-03 23:30:00"):
        campaigns.donation_create(donor=donor, campaign=campaign, amount=Decimal("12.34"))
    with freeze_time("2026-04-05 08:00:00"):
        fund_wallet(donor, "1.00")  # after the range

    response = client_for(finance).get(V1 + "journal", {"from": "2026-04-02", "to": "2026-04-04"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = read_csv(response)
    assert tuple(header) == selectors.JOURNAL_HEADER
    summed: dict[str, Decimal] = {}
    for row in rows:
        line = dict(zip(header, row, strict=True))
        summed[line["account"]] = summed.get(line["account"], Decimal(0)) + Decimal(line["amount"])
    expected = selectors.ledger_movement(date_from=date(2026, 4, 2), date_to=date(2026, 4, 4))
    assert summed == expected
    assert sum(summed.values()) == 0
    assert len(rows) == 4  # a top-up's two legs and a donation's two
    in_range = LedgerEntry.objects.filter(
        created_at__gte=selectors.start_of(date(2026, 4, 2)),
        created_at__lt=selectors.start_of(date(2026, 4, 5)),
    )
    assert sorted(int(r[0]) for r in rows) == sorted(in_range.values_list("id", flat=True))


def test_journal_neutralises_formulas_typed_by_users(finance):
    donor = funded_donor("100.00")
    campaign = make_campaign(name="=HYPERLINK(evil) campaign")
    campaigns.donation_create(donor=donor, campaign=campaign, amount=Decimal("5.00"))

    header, *rows = read_csv(client_for(finance).get(V1 + "journal"))

    references = [dict(zip(header, row, strict=True))["reference"] for row in rows]
    assert any("HYPERLINK" in ref for ref in references)
    assert not any(ref.startswith(("=", "+", "-", "@")) for ref in references)


def test_journal_as_a_workbook(finance):
    fund_wallet(UserFactory(), "80.00")

    response = client_for(finance).get(V1 + "journal", {"format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    values = xlsx_rows(b"".join(response.streaming_content))
    assert tuple(values[0]) == selectors.JOURNAL_HEADER
    assert sorted(Decimal(row[7]) for row in values[1:]) == [Decimal(-80), Decimal(80)]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-04-05", "to": "2026-04-01"},
        {"from": "April"},
        {"format": "pdf"},
    ],
)
def test_journal_refuses_bad_parameters(finance, params):
    response = client_for(finance).get(V1 + "journal", params)

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"


# --- portfolio -------------------------------------------------------------------------


def test_portfolio_at_risk_counts_late_loans_by_age(db):
    officer = staff_with("loan_officer")
    on_time = active_loan(UserFactory(), principal="1200.00", months=12)
    late_40 = active_loan(UserFactory(), principal="600.00", months=6)
    late_100 = active_loan(UserFactory(), principal="300.00", months=3)
    pending_loan(UserFactory(), principal="999.00")
    today = timezone.localdate()
    # Move the schedules back in time: the first installment fell due 40 / 100 days ago.
    for loan, days in ((late_40, 40), (late_100, 100)):
        first = loan.installments.order_by("number").first()
        shift = first.due_date - (today - timedelta(days=days))
        for installment in loan.installments.all():
            installment.due_date -= shift
            installment.save(update_fields=["due_date"])

    response = client_for(officer).get(V1 + "portfolio")

    assert response.status_code == 200
    body = response.json()
    assert body["outstanding"] == "2100.00"
    assert body["par30"] == "900.00"
    assert body["par90"] == "300.00"
    assert body["defaulted"] == "0.00"
    statuses = {row["status"]: row for row in body["by_status"]}
    assert statuses["active"]["count"] == 3
    assert statuses["pending"] == {
        "status": "pending",
        "count": 1,
        "principal": "999.00",
        "outstanding": "999.00",
    }
    assert on_time.status == "active"


def test_portfolio_write_offs_and_recoveries(db):
    from loans import services as loans

    staff = staff_with("loan_officer", "finance")
    borrower = UserFactory()
    loan = active_loan(borrower, principal="500.00", months=5)
    with freeze_time(timezone.now() - timedelta(minutes=5)):
        loans.loan_mark_defaulted(loan=loan, by=staff)
    fund_wallet(borrower, "100.00")
    loans.loan_repay(loan=loan, amount=Decimal("100.00"), by=borrower)

    body = client_for(staff).get(V1 + "portfolio").json()

    assert body["defaulted"] == "400.00"  # still owed by the borrower, though written off
    assert body["recoveries"] == "100.00"
    assert body["write_offs"] == "500.00"


@pytest.mark.parametrize("role", ["zakat_officer", "campaign_manager", "administrator"])
def test_portfolio_is_not_for_other_roles(db, role):
    assert client_for(staff_with(role)).get(V1 + "portfolio").status_code == 403


def test_reports_need_a_sign_in(db):
    for path in ("trial-balance", "journal", "portfolio"):
        response = APIClient().get(V1 + path)
        assert response.status_code == 401
        assert response.json()["error"] == "not_authenticated"
