from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import mfa_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", mfa_views.LoginView.as_view(), name="login"),
    path("login/mfa/", mfa_views.login_mfa, name="login_mfa"),
    path("mfa/", mfa_views.mfa_status, name="mfa"),
    path("mfa/enrol/", mfa_views.mfa_enrol, name="mfa_enrol"),
    path("mfa/remove/", mfa_views.mfa_remove, name="mfa_remove"),
    path("mfa/replace/", mfa_views.mfa_remove, {"replace": True}, name="mfa_replace"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
