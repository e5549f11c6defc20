"""Zakat distribution pages: apply, my applications, a protected document, transparency."""

from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts import money
from distribution import selectors, services
from distribution.forms import ZakatApplyForm
from distribution.models import AsnafCategory


def _form_errors(form: forms.Form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    form = ZakatApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.zakat_case_submit(by=request.user, for_someone_else=False, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your application is in. A zakat officer will review it."))
            return redirect("distribution:cases")
    return render(request, "distribution/apply.html", {"form": form})


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "distribution/cases.html",
        {"cases": selectors.zakat_case_list(user=request.user, mine=True, documents=True)},
    )


@never_cache
@login_required
def document_download(request: HttpRequest, pk: UUID, document_pk: UUID) -> FileResponse:
    """A supporting document, for the case's applicant and zakat staff only, always as
    an attachment with its checked type (never rendered inline by the browser)."""
    document = selectors.zakat_case_document_get_for(user=request.user, case_pk=pk, pk=document_pk)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def transparency(request: HttpRequest) -> HttpResponse:
    figures = selectors.zakat_fund_figures(with_ageing=False)
    labels = dict(AsnafCategory.choices)
    rows = [{**row, "label": labels[row["category"]]} for row in figures.by_category]
    return render(
        request,
        "distribution/transparency.html",
        {"figures": figures, "rows": rows, "currency": money.currency()},
    )
