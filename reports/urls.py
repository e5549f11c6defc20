"""Page routes of the reports, inside the admin site at /admin/reports/ (added by
staff.admin_site.AdminSite.get_urls, which wraps them in the admin's own gate)."""

from django.urls import path

from reports import views


def admin_urlpatterns(wrap) -> list:
    return [
        path("reports/", wrap(views.index), name="reports"),
        path("reports/<slug:report>/", wrap(views.report), name="report"),
    ]
