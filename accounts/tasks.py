"""Background work of the accounts app (django.tasks)."""

from django.contrib.auth.forms import PasswordResetForm
from django.tasks import task

RESET_EMAIL_TEMPLATES = {
    "subject_template_name": "registration/password_reset_subject.txt",
    "email_template_name": "registration/password_reset_email.txt",
    "html_email_template_name": "registration/password_reset_email.html",
}


@task
def send_password_reset(email: str, domain: str, use_https: bool) -> None:
    """Mail a reset link to the account(s) behind `email`, if any. The page only
    queues this: it answers in the same time whether the account exists or not,
    and the lookup and the sending happen here."""
    form = PasswordResetForm(data={"email": email})
    if form.is_valid():
        form.save(domain_override=domain, use_https=use_https, **RESET_EMAIL_TEMPLATES)
