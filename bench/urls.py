"""ROOT_URLCONF for benchmark runs (BENCH_BASELINES=1): the site plus /bench/ baselines."""

from django.urls import path

from bench import baselines
from config.urls import *  # noqa: F403  (the whole site, unchanged)
from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("bench/campaigns", baselines.campaign_list),
    path("bench/campaigns/<uuid:pk>", baselines.campaign_detail),
    path("bench/campaigns/<uuid:pk>/donations", baselines.donation_create),
    path("bench/zakat/calculate", baselines.zakat_calculate),
    path("bench/loans/<uuid:pk>", baselines.loan_detail),
    *site_urlpatterns,
]
