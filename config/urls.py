from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from config import views
from config.metrics import metrics_view

admin.site.site_header = "OSE Platform administration"
admin.site.site_title = "OSE Platform admin"
admin.site.index_title = "Records"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("wallet/", accounts_views.wallet, name="wallet"),
    path("", include("zakat.urls")),
    path("", include("campaigns.urls")),
    path("", include("loans.urls")),
    path("", include("distribution.urls")),
    path("", include("payouts.urls")),
    path("api/", include(("config.api.urls", "api"))),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
