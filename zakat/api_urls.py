"""API routes of the zakat app, mounted by config/api/urls.py under /api/v1/ (and /api/v2/)."""

from django.urls import path

from zakat import api

v1: list = [
    path("zakat/calculate", api.ZakatCalculateV1View.as_view(), name="zakat-calculate"),
    path("zakat/metal-prices", api.ZakatMetalPriceListCreate.as_view(), name="zakat-metal-prices"),
    path("zakat/nisab", api.ZakatNisabView.as_view(), name="zakat-nisab"),
    path("zakat/records", api.ZakatRecordListCreate.as_view(), name="zakat-records"),
    path("zakat/records/<uuid:pk>", api.ZakatRecordDetail.as_view(), name="zakat-record"),
    path("zakat/my-records", api.ZakatMyRecordList.as_view(), name="zakat-my-records"),
    path("zakat/payments", api.ZakatPaymentCreate.as_view(), name="zakat-payments"),
    path("zakat/hawl", api.ZakatHawlView.as_view(), name="zakat-hawl"),
    path("zakat/fitr", api.FitrView.as_view(), name="zakat-fitr"),
    path("zakat/fitr/rates", api.FitrRateCreate.as_view(), name="zakat-fitr-rates"),
    path("zakat/fitr/payments", api.FitrPaymentListCreate.as_view(), name="zakat-fitr-payments"),
]
v2: list = [
    path("zakat/calculate", api.ZakatCalculateV2View.as_view(), name="zakat-calculate"),
]
