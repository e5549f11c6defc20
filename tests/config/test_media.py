"""Uploaded media in production: the web server serves it, and check --deploy says
so when Django is asked to."""

from tests.config.test_database_connections import check_deploy


def test_check_deploy_is_quiet_about_media_by_default():
    assert "config.W002" not in check_deploy()


def test_check_deploy_warns_when_django_serves_media_in_production():
    assert "config.W002" in check_deploy(SERVE_MEDIA="1")
