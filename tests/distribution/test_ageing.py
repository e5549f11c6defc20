"""Fund ageing: first in, first out, Umm al-Qura years, with time frozen across a
Hijri year boundary and the one-lunar-year line."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from freezegun import freeze_time
from rest_framework.test import APIClient

from distribution import ageing, selectors, services
from distribution.tasks import report_overdue_zakat
from tests.distribution.factories import approved_case, fund_zakat, officer
from tests.staff.factories import staff_with

D = Decimal


def test_hijri_years_follow_umm_al_qura():
    assert ageing.hijri_year_start(1448) == date(2026, 6, 16)
    assert ageing.hijri_year_of(date(2026, 6, 15)) == 1447
    assert ageing.hijri_year_of(date(2026, 6, 16)) == 1448
    # One lunar year is about 354 days, not 365.
    assert ageing.one_lunar_year_before(date(2026, 12, 3)) == date(2025, 12, 14)


def test_the_30th_of_a_month_a_year_before_that_had_29_days_is_its_29th():
    import hijridate

    g = hijridate.Hijri(1448, 12, 30).to_gregorian()
    day = date(g.year, g.month, g.day)
    expected = hijridate.Hijri(1447, 12, 29).to_gregorian()
    assert ageing.one_lunar_year_before(day) == date(expected.year, expected.month, expected.day)


def test_fifo_outflows_consume_the_oldest_inflows_first():
    aged = ageing.fifo_ageing(
        [(date(2025, 1, 2), D("50")), (date(2024, 12, 1), D("100")), (date(2025, 6, 1), D("70"))],
        D("120"),
        overdue_before=date(2025, 3, 1),
    )
    assert aged.undistributed == D("100")
    assert aged.overdue_amount == D("30")  # what is left of the 2 January inflow
    assert aged.oldest_undistributed_date == date(2025, 1, 2)


@pytest.mark.parametrize("outflow", ["0", "30", "100", "149.99", "150", "219", "220"])
def test_reading_from_the_newest_inflows_gives_the_fifo_answer(outflow):
    inflows = [
        (date(2024, 12, 1), D("100")),
        (date(2025, 1, 2), D("50")),
        (date(2025, 6, 1), D("70")),
    ]
    line = date(2025, 3, 1)
    expected = ageing.fifo_ageing(inflows, D(outflow), overdue_before=line)
    balance = sum(amount for _, amount in inflows) - D(outflow)
    newest = iter(sorted(inflows, reverse=True))
    assert ageing.ageing_from_newest(newest, balance, overdue_before=line) == expected


def test_fifo_with_everything_distributed_has_nothing_overdue():
    aged = ageing.fifo_ageing(
        [(date(2020, 1, 1), D("10"))], D("10"), overdue_before=date(2025, 1, 1)
    )
    assert aged == ageing.Ageing(D("0"), D("0"), None)


@pytest.mark.django_db
def test_fund_ageing_across_the_lunar_year_line_and_the_hijri_new_year(settings):
    settings.FOUR_EYES = []
    with freeze_time("2025-11-01 10:00:00"):
        fund_zakat("100.00")
    with freeze_time("2025-12-13 10:00:00"):
        fund_zakat("50.00")
    with freeze_time("2025-12-14 10:00:00"):
        fund_zakat("70.00")
    with freeze_time("2026-06-15 10:00:00"):  # 29 Dhu al-Hijjah 1447
        fund_zakat("10.00")
        case = approved_case(approved="130.00")
        assert selectors.zakat_fund_figures().hijri_year == 1447
        assert selectors.zakat_fund_figures().collected == D("230.00")
    with freeze_time("2026-06-16 10:00:00"):  # 1 Muharram 1448: a new year of figures
        fund_zakat("20.00")
        services.zakat_disbursement_request(
            case=case, by=officer(), amount="130.00", method="wallet"
        )
        figures = selectors.zakat_fund_figures()
        assert (figures.hijri_year, figures.collected, figures.distributed) == (
            1448,
            D("20.00"),
            D("130.00"),
        )
        fuqara = next(row for row in figures.by_category if row["category"] == "fuqara")
        assert fuqara == {"category": "fuqara", "amount": D("130.00"), "cases": 1}

    # 3 December 2026: the line is 14 December 2025 (the same Hijri date, 1447).
    with freeze_time("2026-12-03 10:00:00"):
        figures = selectors.zakat_fund_figures()
        # 130 consumed the 100 of 1 Nov and 30 of the 50 of 13 Dec: 20 of it is overdue;
        # the 70 received on the line itself is not (yet).
        assert figures.balance == D("120.00")
        assert figures.overdue_amount == D("20.00")
        assert figures.oldest_undistributed_date == date(2025, 12, 13)
    with freeze_time("2026-12-04 10:00:00"):
        assert selectors.zakat_fund_figures().overdue_amount == D("90.00")


@pytest.mark.django_db
def test_the_daily_task_mails_zakat_officers_the_overdue_figures():
    with freeze_time("2024-01-10 10:00:00"):
        fund_zakat("40.00")
    officers = [staff_with("zakat_officer"), staff_with("zakat_officer")]
    staff_with("finance")
    with freeze_time("2025-06-01 10:00:00"):
        sent = report_overdue_zakat.call()
    assert sent == 2
    assert sorted(mail.outbox[0].to) == sorted(o.email for o in officers)
    assert "40.00" in mail.outbox[0].subject
    assert "40.00" in mail.outbox[0].body


@pytest.mark.django_db
def test_nothing_overdue_sends_nothing():
    fund_zakat("40.00")
    staff_with("zakat_officer")
    assert report_overdue_zakat.call() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_fund_endpoint_shows_the_figures_per_fund():
    with freeze_time("2024-01-10 10:00:00"):
        fund_zakat("40.00")
    client = APIClient()
    client.force_authenticate(staff_with("auditor"))
    with freeze_time("2025-06-01 10:00:00"):
        body = client.get("/api/v1/zakat/fund").json()
    assert body["balance"] == "40.00"
    assert body["overdue_amount"] == "40.00"
    assert body["oldest_undistributed_date"] == "2024-01-10"
    assert body["hijri_year"] == 1446
    assert [row["category"] for row in body["by_category"]] == [
        "fuqara", "masakin", "amilin", "muallafah", "riqab", "gharimin", "fi_sabilillah",
        "ibn_sabil",
    ]  # fmt: skip
    assert {row["fund"]: row["balance"] for row in body["by_fund"]} == {
        "zakat": "40.00",
        "fitr": "0.00",
        "campaign": "0.00",
    }
