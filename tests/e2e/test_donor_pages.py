"""The donor pages in Chromium: no serious accessibility violations (axe-core),
nothing wider than a 390 px phone, the account menu by keyboard, a cover image
uploaded and shown, sharing, and the zakat calculator's running total."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from campaigns import services as campaign_services
from tests.campaigns.factories import make_campaign
from tests.e2e.a11y import axe_violations, describe, overflow_x, visit
from tests.factories import UserFactory, fund_wallet
from tests.loans.factories import active_loan
from tests.zakat.factories import MetalPriceFactory, ZakatRecordFactory
from zakat import services as zakat_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Every page check runs in English and in Arabic (right to left).
LANGS = pytest.mark.parametrize("lang", [None, "ar"], ids=["en", "ar"])


def png(size=(900, 600), colour=(15, 118, 110)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def donor_world(settings):
    """A donor with something on every page of theirs, and a campaign with a
    cover, an update and gifts."""
    settings.SERVE_MEDIA = True
    MetalPriceFactory()
    organizer = UserFactory(name="Amina Yusuf")
    donor = UserFactory(name="Bilal Rahman with a rather long family name")
    fund_wallet(donor, "500.00")
    campaign = make_campaign(
        organizer=organizer,
        name="Clean water wells for three villages in the dry season",
        description="Wells, pumps and storage tanks. " * 20,
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    campaign_services.campaign_cover_set(
        campaign=campaign,
        by=organizer,
        image=SimpleUploadedFile("cover.png", png(), content_type="image/png"),
    )
    campaign_services.campaign_update_create(
        campaign=campaign, by=organizer, title="The first well is dug", body="Thank you all."
    )
    for amount in ("25.00", "10.00", "1234.00"):
        fund_wallet(donor, amount)
        campaign_services.donation_create(
            donor=donor, campaign=campaign, amount=Decimal(amount), message="For the village."
        )
    ZakatRecordFactory(payer=donor)
    zakat_services.hawl_set(user=donor, start_date=timezone.localdate() - timedelta(days=200))
    loan = active_loan(donor)
    return {"donor": donor, "organizer": organizer, "campaign": campaign, "loan": loan}


def _context(browser, live_server, viewport, user=None):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": cookie.value,
                    "url": live_server.url,
                }
            ]
        )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    return context, page


def donor_pages(world) -> list[tuple[str, str, bool]]:
    """(name, path, signed in) of every donor page."""
    campaign, loan = world["campaign"], world["loan"]
    return [
        ("home", "/", False),
        ("home signed in", "/", True),
        ("campaigns", "/campaigns/", False),
        ("campaign", f"/campaigns/{campaign.pk}/", False),
        ("campaign signed in", f"/campaigns/{campaign.pk}/", True),
        ("donate", f"/campaigns/{campaign.pk}/donate/", True),
        ("login", "/accounts/login/", False),
        ("register", "/accounts/register/", False),
        ("wallet", "/wallet/", True),
        ("donations", "/donations/", True),
        ("zakat calculator", "/zakat/", False),
        ("zakat result", "/zakat/?calculate=1&cash=10000&gold_grams=12.5&gold_karat=21", True),
        ("zakat records", "/zakat/records/", True),
        ("loans", "/loans/", True),
        ("loan", f"/loans/{loan.pk}/", True),
        ("404", "/no-such-page/", False),
    ]


def other_pages(world) -> list[tuple[str, str, bool]]:
    """The rest of the public and personal pages: held to the same phone width."""
    donation = world["donor"].donations.first()
    return [
        ("start a campaign", "/campaigns/new/", True),
        ("receipt", f"/donations/{donation.pk}/receipt/", True),
        ("zakat al-fitr", "/zakat/fitr/", True),
        ("transparency", "/transparency/", False),
        ("apply for zakat", "/zakat/apply/", True),
        ("my zakat cases", "/zakat/cases/", True),
        ("apply for a loan", "/loans/apply/", True),
        ("murabaha request", "/murabaha/new/", True),
        ("withdraw", "/wallet/withdraw/", True),
        ("bank accounts", "/wallet/payout-accounts/", True),
        ("password reset", "/accounts/password/reset/", False),
        ("two-step sign-in", "/accounts/mfa/", True),
    ]


def _each_page(
    browser, live_server, world, viewport, check, *, lang=None, pages=donor_pages
) -> list[str]:
    failures = []
    contexts = {
        False: _context(browser, live_server, viewport),
        True: _context(browser, live_server, viewport, world["donor"]),
    }
    try:
        for name, path, signed_in in pages(world):
            page = contexts[signed_in][1]
            response = visit(page, path, origin=live_server.url, lang=lang)
            expected = 404 if name == "404" else 200
            if response.status != expected:
                failures.append(f"{name} {path}: status {response.status}")
                continue
            if lang:
                html = page.locator("html")
                seen = (html.get_attribute("lang"), html.get_attribute("dir"))
                if seen != (lang, "rtl" if lang == "ar" else "ltr"):
                    failures.append(f"{name} {path}: html lang/dir {seen}, not in {lang}")
            problem = check(page)
            if problem:
                failures.append(f"{name} {path}:\n{problem}")
            csp = [e for e in page.console_errors if "Content Security Policy" in e]
            if csp:
                failures.append(f"{name} {path}: CSP refused {csp}")
            page.console_errors.clear()
    finally:
        for context, _page in contexts.values():
            context.close()
    return failures


def check_accessibility(browser, live_server, world, *, lang=None, pages=donor_pages) -> list[str]:
    """What the Arabic pages run too: check_accessibility(..., lang="ar")."""

    def check(page):
        violations = axe_violations(page)
        return describe(violations) if violations else None

    return _each_page(browser, live_server, world, DESKTOP, check, lang=lang, pages=pages)


def check_phone_width(browser, live_server, world, *, lang=None, pages=donor_pages) -> list[str]:
    def check(page):
        wide = overflow_x(page)
        return f"  wider than the screen: {wide}" if wide else None

    return _each_page(browser, live_server, world, PHONE, check, lang=lang, pages=pages)


@LANGS
def test_donor_pages_have_no_serious_or_critical_accessibility_violations(
    browser, live_server, donor_world, lang
):
    failures = check_accessibility(browser, live_server, donor_world, lang=lang)

    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)


@LANGS
def test_the_other_pages_have_no_serious_or_critical_accessibility_violations(
    browser, live_server, donor_world, lang
):
    failures = check_accessibility(browser, live_server, donor_world, lang=lang, pages=other_pages)

    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)


def test_the_checker_finds_what_it_is_there_to_find(page):
    """The helper itself: a page with an unlabelled image and input fails it."""
    page.set_content('<html lang="en"><body><main><img src="x.png"><input></main></body></html>')

    found = {v["id"] for v in axe_violations(page)}

    assert {"image-alt", "label"} <= found


def test_the_width_check_sees_what_right_to_left_cuts_off(page):
    """Right to left, a box past the right edge is cut off, not scrollable, and
    leaves scrollWidth as it is: the check still names it."""
    page.set_viewport_size(PHONE)
    page.set_content(
        '<html lang="ar" dir="rtl"><body style="margin:0"><main>'
        '<p style="margin-inline-start:-120px">نص</p></main></body></html>'
    )
    cut_off = overflow_x(page)
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    page.set_content('<html lang="ar" dir="rtl"><body><main><p>نص</p></main></body></html>')

    assert scroll_width == PHONE["width"]
    assert cut_off is not None
    assert cut_off["wide"][0].startswith("p ")
    assert overflow_x(page) is None


@LANGS
def test_no_donor_page_is_wider_than_a_390px_phone(browser, live_server, donor_world, lang):
    failures = check_phone_width(browser, live_server, donor_world, lang=lang)

    assert not failures, "\n".join(failures)


@LANGS
def test_no_other_page_is_wider_than_a_390px_phone(browser, live_server, donor_world, lang):
    failures = check_phone_width(browser, live_server, donor_world, lang=lang, pages=other_pages)

    assert not failures, "\n".join(failures)


def test_tables_become_stacked_cards_on_a_phone(browser, live_server, donor_world):
    context, page = _context(browser, live_server, PHONE, donor_world["donor"])
    try:
        page.goto("/donations/")
        cell = page.locator("table.table-stack tbody tr").first.locator("td").first
        display = cell.evaluate("td => getComputedStyle(td).display")
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        header = page.locator("table.table-stack thead")
        header_width = header.evaluate("h => h.getBoundingClientRect().width")
    finally:
        context.close()

    assert display == "flex"
    assert label == '"Date"'
    assert header_width <= 1


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_account_menu_works_by_keyboard(browser, live_server, donor_world, viewport):
    context, page = _context(browser, live_server, viewport, donor_world["donor"])
    try:
        page.goto("/campaigns/")
        menu = page.locator("details.account-menu")
        wallet_link = menu.get_by_role("link", name="My wallet")
        expect(wallet_link).to_be_hidden()

        # Tab from the top of the page until the menu's button has the focus.
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.tagName") == "SUMMARY":
                break
        assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
        page.keyboard.press("Enter")
        expect(wallet_link).to_be_visible()
        for name in (
            "My donations",
            "My zakat",
            "My loans",
            "Recurring gifts",
            "Giving statements",
        ):
            expect(menu.get_by_role("link", name=name)).to_be_visible()

        page.keyboard.press("Escape")
        expect(wallet_link).to_be_hidden()
        assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"

        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.textContent.trim()") == "My wallet"
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/wallet/$"))
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_organizer_uploads_a_cover_and_it_is_shown(
    browser, live_server, settings, tmp_path, viewport
):
    settings.SERVE_MEDIA = True
    organizer = UserFactory(name="Amina Yusuf")
    campaign = make_campaign(organizer=organizer, name="Winter blankets for families")
    image = tmp_path / "blankets.png"
    image.write_bytes(png((1200, 800), (180, 40, 40)))
    context, page = _context(browser, live_server, viewport, organizer)
    try:
        page.goto(f"/campaigns/{campaign.pk}/")
        expect(page.locator("[data-testid=cover]")).to_have_count(0)

        page.locator("input[type=file][name=image]").set_input_files(str(image))
        page.get_by_role("button", name="Upload cover").click()

        expect(page.locator(".message.success")).to_contain_text("The cover image is saved.")
        cover = page.locator("[data-testid=cover]")
        expect(cover).to_be_visible()
        # decode() waits until the image has loaded (and fails if it cannot be shown).
        natural = cover.evaluate("img => img.decode().then(() => img.naturalWidth)")
        page.goto("/campaigns/")
        thumb = page.locator("img.campaign-thumb").first
        expect(thumb).to_be_visible()
        thumb_width = thumb.evaluate("img => img.decode().then(() => img.naturalWidth)")
        wide = overflow_x(page)
    finally:
        context.close()

    assert natural == 1200  # re-encoded, within the 1600 px box
    assert 0 < thumb_width <= 480
    assert wide is None


def test_sharing_tags_copy_link_and_whatsapp(browser, live_server, donor_world):
    campaign = donor_world["campaign"]
    context, page = _context(browser, live_server, DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    try:
        page.goto(f"/campaigns/{campaign.pk}/")
        url = f"{live_server.url}/campaigns/{campaign.pk}/"
        meta = {
            key: page.locator(f'meta[property="{key}"], meta[name="{key}"]').get_attribute(
                "content"
            )
            for key in ("og:title", "og:url", "og:image", "og:description", "twitter:card")
        }
        whatsapp = page.get_by_test_id("whatsapp").get_attribute("href")

        page.get_by_role("button", name="Copy link").click()
        expect(page.locator("[data-copy-status]")).to_have_text("Link copied.")
        copied = page.evaluate("() => navigator.clipboard.readText()")
    finally:
        context.close()

    assert meta["og:title"] == campaign.name
    assert meta["og:url"] == url
    assert meta["og:image"].startswith(live_server.url + "/media/campaigns/covers/")
    assert meta["og:description"].startswith("Wells, pumps")
    assert meta["twitter:card"] == "summary_large_image"
    assert whatsapp.startswith("https://wa.me/?text=")
    assert "campaigns%2F" in whatsapp
    assert copied == url


def test_completed_campaigns_show_no_live_badge_or_first_gift_prompt(browser, live_server):
    done = make_campaign(name="Ramadan food parcels 1446", status="completed")
    context, page = _context(browser, live_server, DESKTOP)
    try:
        page.goto(f"/campaigns/{done.pk}/")
        page.wait_for_load_state("networkidle")
        live = page.locator("[data-live-status]").count()
        text = page.locator("main").inner_text()
    finally:
        context.close()

    assert live == 0
    assert "Be the first to give" not in text


def test_the_zakat_calculator_keeps_a_running_total(browser, live_server):
    MetalPriceFactory(gold_price_per_gram=Decimal("95.00"), silver_price_per_gram=Decimal("1.10"))
    context, page = _context(browser, live_server, PHONE)
    try:
        page.goto("/zakat/")
        running = page.locator("[data-running-text]")
        expect(running).to_contain_text("below the nisab")

        page.get_by_label("Cash and bank balances").fill("10000")
        expect(running).to_have_text(re.compile(r"10,000\.00 .* 250\.00"))
        page.get_by_label("Gold you own (grams)").fill("12.345")
        page.get_by_label("Purity of your gold (karat)").fill("21")
        # 12.345 g x 95.00 x 21/24 = 1026.178125; wealth 11026.178125; zakat 275.65 (half up)
        expect(running).to_contain_text("11,026.18")
        expect(running).to_contain_text("275.65")
        page.get_by_label("Short-term debts due now").fill("-5")
        expect(running).to_contain_text("Check the amounts")
        page.get_by_label("Short-term debts due now").fill("")

        page.get_by_role("button", name="Calculate").click()
        expect(page.get_by_test_id("zakat-amount")).to_have_text("275.65")
        assert page.console_errors == []
    finally:
        context.close()
