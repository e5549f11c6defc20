"""The admin site with the second factor at its door.

`has_permission` is the admin's own gate for every page and action: a staff
member who must give a second factor (staff.permissions.mfa_missing) and has
not in this session is turned away like a visitor. The admin's login page
offers no password form of its own: it sends everyone to the site's sign-in
(/accounts/login/, which asks for the code), or a signed-in staff member
missing the code to the page that asks for it (or to enrolment).
"""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from staff.permissions import mfa_missing


class AdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not mfa_missing(request.user, strict=True)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index")
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff:
            if mfa_missing(user, strict=True):
                from accounts.services.mfa import mfa_enrolled

                target = "accounts:login_mfa" if mfa_enrolled(user=user) else "accounts:mfa"
                return redirect(f"{reverse(target)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
            return redirect(next_url)
        return redirect_to_login(next_url, reverse("accounts:login"))

    # The index is the staff dashboard (reports/dashboard.py): figures and charts, each
    # shown to the roles whose permissions cover it; the app list follows below them.
    index_template = "admin/dashboard.html"

    def index(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        from reports.dashboard import for_user

        return super().index(request, {**for_user(request.user), **(extra_context or {})})

    def get_urls(self):
        from reports.urls import admin_urlpatterns

        return admin_urlpatterns(self.admin_view) + super().get_urls()
