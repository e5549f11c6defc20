"""Page routes of the campaigns app, mounted at the site root by config/urls.py."""

urlpatterns: list = []
