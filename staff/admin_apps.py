"""Django's admin app, with the site of staff/admin_site.py (the second factor's gate)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "staff.admin_site.AdminSite"
