"""Every API route. Versions are URL prefixes: /api/v1/ and /api/v2/."""

from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from accounts import api as accounts_api
from accounts import wallet_api
from campaigns import api_urls as campaigns_api
from config.api.views import HealthView, ReadyView
from distribution import api_urls as distribution_api
from giving import api_urls as giving_api
from loans import api_urls as loans_api
from payouts import api_urls as payouts_api
from reports import api_urls as reports_api
from staff import api_urls as staff_api
from zakat import api_urls as zakat_api

v1 = [
    path("health", HealthView.as_view(), name="health"),
    path("health/ready", ReadyView.as_view(), name="health-ready"),
    path("auth/register", accounts_api.RegisterView.as_view(), name="auth-register"),
    path("auth/login", accounts_api.LoginView.as_view(), name="auth-login"),
    path("auth/login/mfa", accounts_api.LoginMfaView.as_view(), name="auth-login-mfa"),
    path("auth/refresh", accounts_api.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", accounts_api.LogoutView.as_view(), name="auth-logout"),
    path("auth/me", accounts_api.MeView.as_view(), name="auth-me"),
    path("wallet", wallet_api.WalletView.as_view(), name="wallet"),
    path(
        "wallet/transactions",
        wallet_api.WalletTransactionList.as_view(),
        name="wallet-transactions",
    ),
    path("wallet/top-ups", wallet_api.TopUpCreate.as_view(), name="wallet-top-ups"),
    path(
        "wallet/top-ups/webhooks/<slug:gateway>",
        wallet_api.TopUpWebhook.as_view(),
        name="wallet-top-up-webhook",
    ),
]

v1 += [
    *zakat_api.v1,
    *campaigns_api.v1,
    *loans_api.v1,
    *staff_api.v1,
    *distribution_api.v1,
    *payouts_api.v1,
    *giving_api.v1,
    *reports_api.v1,
]

v2 = [*zakat_api.v2, *campaigns_api.v2, *loans_api.v2, *staff_api.v2]

# The docs bundles style themselves inline and ReDoc runs a blob: worker; this
# looser policy is for these two pages alone. Scripts still come only from us.
DOCS_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "worker-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("v2/", include((v2, "v2"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        csp_override(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path(
        "redoc/",
        csp_override(DOCS_CSP)(SpectacularRedocView.as_view(url_name="api:schema")),
        name="redoc",
    ),
]
