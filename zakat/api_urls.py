"""API routes of the zakat app, mounted by config/api/urls.py under /api/v1/ (and /api/v2/)."""

v1: list = []
v2: list = []
