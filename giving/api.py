"""Giving API: recurring gifts, checkout, PDF receipts and statements. Thin:
parse, call a service or selector, answer; the docs are in api_docs.py."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_view
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import selectors as campaign_selectors
from campaigns import services as campaign_services
from campaigns.serializers import DonationOut
from config.api.lists import SelectorListView
from config.idempotency import idempotent
from giving import api_docs as docs
from giving import receipts, selectors, services
from giving.models import Checkout, RecurringDonation, RecurringRun
from giving.serializers import (
    CheckoutIn,
    CheckoutPendingOut,
    RecurringDonationIn,
    RecurringDonationOut,
    RecurringDonationPatchIn,
    RecurringRunOut,
)
from zakat import selectors as zakat_selectors


@extend_schema_view(get=docs.RECURRING_LIST, post=docs.RECURRING_CREATE)
class RecurringDonationListCreate(SelectorListView):
    permission_classes = [IsAuthenticated]
    serializer_class = RecurringDonationOut
    queryset = RecurringDonation.objects.none()

    def select(self) -> QuerySet[RecurringDonation]:
        return selectors.recurring_donation_list(user=self.request.user)

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = RecurringDonationIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        gift = services.recurring_donation_create(
            donor=request.user, campaign=fields.pop("campaign_id"), **fields
        )
        return Response(RecurringDonationOut(gift).data, status=status.HTTP_201_CREATED)


@extend_schema_view(patch=docs.RECURRING_UPDATE, delete=docs.RECURRING_CANCEL)
class RecurringDonationDetail(APIView):
    permission_classes = [IsAuthenticated]

    def patch(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        gift = selectors.recurring_donation_get_for(user=request.user, pk=pk, write=True)
        data = RecurringDonationPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        gift = services.recurring_donation_update(gift=gift, by=request.user, **data.validated_data)
        return Response(RecurringDonationOut(gift).data)

    def delete(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        gift = selectors.recurring_donation_get_for(user=request.user, pk=pk, write=True)
        services.recurring_donation_cancel(gift=gift, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(get=docs.RECURRING_RUNS)
class RecurringRunList(SelectorListView):
    permission_classes = [IsAuthenticated]
    serializer_class = RecurringRunOut
    queryset = RecurringRun.objects.none()

    def select(self) -> QuerySet[RecurringRun]:
        gift = selectors.recurring_donation_get_for(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.recurring_run_list(gift=gift)


@extend_schema_view(post=docs.CHECKOUT)
class CheckoutCreate(APIView):
    permission_classes = [IsAuthenticated]

    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = CheckoutIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        checkout = services.checkout_start(
            donor=request.user, campaign=fields.pop("campaign_id"), **fields
        )
        if checkout.status == Checkout.Status.COMPLETED:
            body = DonationOut(checkout.donation, context={"request": request}).data
            return Response(body, status=status.HTTP_201_CREATED)
        if checkout.status == Checkout.Status.FAILED:
            raise services.CheckoutFailed(checkout.error or None)
        body = {
            "id": checkout.pk,
            "status": checkout.status,
            "redirect_url": checkout.top_up.redirect_url,
        }
        return Response(CheckoutPendingOut(body).data, status=status.HTTP_202_ACCEPTED)


class _PdfView(APIView):
    """Answers a PDF, or the contract's JSON error envelope: the first renderer (JSON)
    is used for errors whatever the client accepts, so no request is refused 406."""

    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request: Request, force: bool = False):
        return super().perform_content_negotiation(request, force=True)

    @staticmethod
    def pdf(content: bytes, filename: str) -> HttpResponse:
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema_view(get=docs.DONATION_RECEIPT)
class DonationReceiptPdf(_PdfView):
    def get(self, request: Request, pk: UUID, *args, **kwargs) -> HttpResponse:
        donation = campaign_selectors.donation_get_for(user=request.user, pk=pk)
        donation = campaign_services.donation_receipt_number(donation=donation)
        content = receipts.donation_receipt_pdf(donation)
        return self.pdf(content, f"receipt-{donation.receipt_label}.pdf")


@extend_schema_view(get=docs.ZAKAT_RECEIPT)
class ZakatReceiptPdf(_PdfView):
    def get(self, request: Request, pk: UUID, *args, **kwargs) -> HttpResponse:
        payment = zakat_selectors.zakat_payment_get_for(user=request.user, pk=pk)
        content = receipts.zakat_receipt_pdf(payment)
        return self.pdf(content, f"receipt-{payment.receipt_label}.pdf")


@extend_schema_view(get=docs.FITR_RECEIPT)
class FitrReceiptPdf(_PdfView):
    def get(self, request: Request, pk: UUID, *args, **kwargs) -> HttpResponse:
        payment = zakat_selectors.fitr_payment_get_for(user=request.user, pk=pk)
        content = receipts.fitr_receipt_pdf(payment)
        return self.pdf(content, f"receipt-{payment.receipt_label}.pdf")


def parse_year(value: str) -> int:
    """A statement's year: 2000 up to this one, else a 400 naming the field."""
    this_year = timezone.localdate().year
    message = _("Give a year from %(first)s to %(last)s.") % {
        "first": receipts.FIRST_YEAR,
        "last": this_year,
    }
    if not (value.isascii() and value.isdigit() and len(value) == 4):
        raise ValidationError({"year": [message]})
    year = int(value)
    if not receipts.FIRST_YEAR <= year <= this_year:
        raise ValidationError({"year": [message]})
    return year


@extend_schema_view(get=docs.STATEMENT)
class StatementPdf(_PdfView):
    def get(self, request: Request, year: str, *args, **kwargs) -> HttpResponse:
        year_number = parse_year(year)
        rows = services.statement_rows_numbered(user=request.user, year=year_number)
        content = receipts.statement_document(user=request.user, year=year_number, rows=rows)
        return self.pdf(content, f"statement-{year_number}.pdf")
