"""API routes of the reports, mounted by config/api/urls.py under /api/v1/."""

from django.urls import path

from reports import api

v1: list = [
    path("reports/trial-balance", api.TrialBalanceView.as_view(), name="reports-trial-balance"),
    path("reports/journal", api.JournalView.as_view(), name="reports-journal"),
    path("reports/portfolio", api.PortfolioView.as_view(), name="reports-portfolio"),
]
v2: list = []
