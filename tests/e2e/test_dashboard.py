"""Staff dashboard and admin lists in a real browser: each role signs in and sees
the figures its role may see; at 1 366 px the lists' key columns are on screen
without scrolling sideways; the report pages download their CSV."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from campaigns.services import donation_create
from tests.campaigns.factories import funded_donor, make_campaign
from tests.distribution.factories import fund_zakat, submitted_case
from tests.factories import UserFactory
from tests.loans.factories import active_loan, pending_loan
from tests.staff.factories import staff_with

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"
LAPTOP = {"width": 1366, "height": 768}

SEES = {
    "finance": ["donations_today", "zakat_collected", "loans_awaiting", "fund_zakat_fund"],
    "auditor": ["donations_today", "zakat_collected", "loans_awaiting", "fund_zakat_fund"],
    "loan_officer": ["loans_awaiting", "overdue", "pending_approvals"],
    "zakat_officer": ["zakat_collected", "pending_cases"],
    "campaign_manager": ["donations_today", "donations_month"],
    "administrator": ["pending_approvals"],
}
HIDDEN = {
    "loan_officer": ["donations_today", "fund_zakat_fund"],
    "zakat_officer": ["loans_awaiting", "fund_zakat_fund"],
    "campaign_manager": ["zakat_collected", "loans_awaiting"],
    "administrator": ["donations_today", "zakat_collected", "loans_awaiting"],
}


# Real people have long names and addresses: the lists must still fit.
LONG_NAME = "Abdurrahman Muhammad Al-Farouqi Hassan Ibn Suleiman"


def seed() -> None:
    campaign = make_campaign(
        name="Winter blankets for the families of the northern districts", target="5000.00"
    )
    donor = funded_donor("100.00")
    donation_create(donor=donor, campaign=campaign, amount=Decimal("40.00"))
    fund_zakat("250.00")
    submitted_case(
        UserFactory(name=LONG_NAME, email="abdurrahman.al-farouqi.hassan@example.org"),
        amount="120.00",
        beneficiary_name=LONG_NAME,
    )
    pending_loan(
        UserFactory(email="applicant.with.a.long.address@example.org", name=LONG_NAME),
        principal="900.00",
        purpose="Tools for my workshop",
    )
    active_loan(UserFactory(name=LONG_NAME), principal="600.00", months=6)


def sign_in(page, user) -> None:
    page.goto("/accounts/login/?next=/admin/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


@pytest.mark.parametrize("role", sorted(SEES))
def test_each_role_sees_the_dashboard_figures_its_role_may_see(page, role):
    seed()
    sign_in(page, staff_with(role, password=PASSWORD))

    dashboard = page.get_by_test_id("dashboard")
    expect(dashboard).to_be_visible()
    for card in SEES[role]:
        expect(dashboard.locator(f'[data-card="{card}"]')).to_be_visible()
    for card in HIDDEN.get(role, []):
        expect(dashboard.locator(f'[data-card="{card}"]')).to_have_count(0)
    if role == "auditor":
        expect(dashboard.locator(".card-action")).to_have_count(0)
    if role == "finance":
        expect(dashboard.locator('[data-card="donations_today"] .card-value')).to_have_text("40.00")
        expect(dashboard.locator("svg.chart")).to_have_count(3)
    # The strict CSP refused nothing: the charts are inline SVG, with no script.
    assert [t for t in page.console_errors if "Content Security Policy" in t] == []


def test_a_chart_bar_opens_the_list_behind_it(page):
    seed()
    sign_in(page, staff_with("finance", password=PASSWORD))

    page.locator('[data-chart="donations_per_day"] svg a').last.click()

    expect(page).to_have_url(re.compile(r"/admin/campaigns/donation/\?created_at__date__gte="))
    expect(page.get_by_text("40.00 from")).to_be_visible()


KEY_COLUMNS = {
    "/admin/loans/loan/": ["borrower_email", "status", "days_past_due", "principal_amount"],
    "/admin/accounts/ledgeraccount/": ["name", "balance", "kind"],
    "/admin/campaigns/donation/": ["gift", "amount", "status"],
    "/admin/campaigns/campaign/": ["name", "status", "progress", "current_amount"],
    "/admin/distribution/zakatcase/": ["beneficiary_name", "status", "amount_requested"],
}


def test_key_columns_fit_a_1366_pixel_screen_without_scrolling_sideways(browser, live_server):
    seed()
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    page = context.new_page()
    try:
        sign_in(page, staff_with("finance", "loan_officer", "zakat_officer", password=PASSWORD))
        for path, columns in KEY_COLUMNS.items():
            page.goto(path)
            for column in columns:
                header = page.locator(f"#result_list th.column-{column}")
                expect(header).to_be_visible()
                box = header.bounding_box()
                assert box is not None, (path, column)
                assert box["x"] >= 0
                assert box["x"] + box["width"] <= LAPTOP["width"], (path, column, box)
    finally:
        context.close()


def test_a_loan_officer_approves_with_the_button_on_the_loans_page(page):
    seed()
    sign_in(page, staff_with("loan_officer", password=PASSWORD))
    page.goto("/admin/loans/loan/?status__exact=pending")
    page.get_by_role("link", name="applicant.with.a.long.address@example.org").click()

    page.get_by_role("link", name="Approve").click()
    page.get_by_role("button", name="Approve").click()

    expect(page.locator(".messagelist")).to_contain_text("Approve")
    expect(page.locator(".field-status")).to_contain_text("Approved")


def test_finance_downloads_the_trial_balance(page):
    seed()
    sign_in(page, staff_with("finance", password=PASSWORD))
    page.goto("/admin/reports/")
    page.get_by_role("link", name="Trial balance").click()

    expect(page.get_by_test_id("report-summary")).to_contain_text("0.00")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()

    assert download.value.suggested_filename == "trial-balance.csv"
