"""Page routes of the loans app, mounted at the site root by config/urls.py."""

urlpatterns: list = []
