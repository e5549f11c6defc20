"""API routes of giving, mounted by config/api/urls.py under /api/v1/."""

from django.urls import path

from giving import api

v1: list = [
    path(
        "recurring-donations",
        api.RecurringDonationListCreate.as_view(),
        name="recurring-donations",
    ),
    path(
        "recurring-donations/<uuid:pk>",
        api.RecurringDonationDetail.as_view(),
        name="recurring-donation",
    ),
    path(
        "recurring-donations/<uuid:pk>/runs",
        api.RecurringRunList.as_view(),
        name="recurring-donation-runs",
    ),
    path("checkout", api.CheckoutCreate.as_view(), name="checkout"),
    path(
        "donations/<uuid:pk>/receipt.pdf",
        api.DonationReceiptPdf.as_view(),
        name="donation-receipt-pdf",
    ),
    path(
        "zakat/payments/<uuid:pk>/receipt.pdf",
        api.ZakatReceiptPdf.as_view(),
        name="zakat-payment-receipt-pdf",
    ),
    path(
        "zakat/fitr/payments/<uuid:pk>/receipt.pdf",
        api.FitrReceiptPdf.as_view(),
        name="fitr-payment-receipt-pdf",
    ),
    path("statements/<str:year>.pdf", api.StatementPdf.as_view(), name="statement-pdf"),
]
v2: list = []
