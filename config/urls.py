from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from accounts import views as accounts_views
from config import views
from config.metrics import metrics_view

admin.site.site_header = _("OSE Platform administration")
admin.site.site_title = _("OSE Platform admin")
admin.site.index_title = _("Records")

urlpatterns = [
    # First: Django tries the routes in order, and the API takes most of the
    # requests; behind the page routes (about 300) it paid for trying each of
    # them. No page route can match a path under api/ (tests/config/test_urls.py),
    # so the order changes the cost of resolving, not where a path goes.
    path("api/", include(("config.api.urls", "api"))),
    path("", views.home, name="home"),
    # The language switcher (base.html) posts here; the choice is kept in a cookie
    # and the visitor goes back to the same path.
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("wallet/", accounts_views.wallet, name="wallet"),
    path("", include("zakat.urls")),
    path("", include("campaigns.urls")),
    path("", include("loans.urls")),
    path("", include("distribution.urls")),
    path("", include("payouts.urls")),
    path("", include("giving.urls")),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("media/<path:path>", views.media, name="media"),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
