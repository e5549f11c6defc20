"""Page routes of zakat distribution, mounted at the site root by config/urls.py."""

from django.urls import path

from distribution import views

app_name = "distribution"

urlpatterns: list = [
    path("zakat/apply/", views.apply, name="apply"),
    path("zakat/cases/", views.cases, name="cases"),
    path(
        "zakat/cases/<uuid:pk>/documents/<uuid:document_pk>/",
        views.document_download,
        name="document",
    ),
    path("transparency/", views.transparency, name="transparency"),
]
