"""Page routes of the loans app, mounted at the site root by config/urls.py."""

from django.urls import path

from loans import views

app_name = "loans"

urlpatterns: list = [
    path("loans/", views.my_financing, name="index"),
    path("loans/apply/", views.loan_apply, name="apply"),
    path("loans/<uuid:pk>/", views.loan_detail, name="loan"),
    path("murabaha/new/", views.murabaha_new, name="murabaha_new"),
    path("murabaha/<uuid:pk>/", views.murabaha_detail, name="murabaha"),
    path("murabaha/<uuid:pk>/accept/", views.murabaha_accept, name="murabaha_accept"),
    path("murabaha/<uuid:pk>/cancel/", views.murabaha_cancel, name="murabaha_cancel"),
]
