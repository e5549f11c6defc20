"""Page routes of the zakat app, mounted at the site root by config/urls.py."""

from django.urls import path

from zakat import views

app_name = "zakat"

urlpatterns: list = [
    path("zakat/", views.calculator, name="calculator"),
    path("zakat/records/", views.records, name="records"),
    path("zakat/records/save/", views.record_save, name="record_save"),
    path("zakat/records/<uuid:pk>/pay/", views.pay, name="pay"),
    path("zakat/hawl/", views.hawl, name="hawl"),
    path("zakat/receipts/<uuid:pk>/", views.receipt, name="receipt"),
    path("zakat/fitr/", views.fitr, name="fitr"),
    path("zakat/fitr/receipts/<uuid:pk>/", views.fitr_receipt, name="fitr_receipt"),
]
