"""API routes of zakat distribution, mounted by config/api/urls.py under /api/v1/."""

from django.urls import path

from distribution import api

v1: list = [
    path("zakat/cases", api.ZakatCaseListCreate.as_view(), name="zakat-cases"),
    path("zakat/cases/<uuid:pk>", api.ZakatCaseDetail.as_view(), name="zakat-case"),
    path(
        "zakat/cases/<uuid:pk>/approve", api.ZakatCaseApprove.as_view(), name="zakat-case-approve"
    ),
    path("zakat/cases/<uuid:pk>/reject", api.ZakatCaseReject.as_view(), name="zakat-case-reject"),
    path("zakat/cases/<uuid:pk>/close", api.ZakatCaseClose.as_view(), name="zakat-case-close"),
    path(
        "zakat/cases/<uuid:pk>/disbursements",
        api.ZakatCaseDisbursements.as_view(),
        name="zakat-case-disbursements",
    ),
    path("zakat/fund", api.ZakatFundView.as_view(), name="zakat-fund"),
    path("zakat/transparency", api.ZakatTransparencyView.as_view(), name="zakat-transparency"),
]
v2: list = []
