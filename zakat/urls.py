"""Page routes of the zakat app, mounted at the site root by config/urls.py."""

urlpatterns: list = []
