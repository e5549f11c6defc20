"""Reports API: trial balance, general journal export, portfolio at risk.

Thin: the query parameters' shape, a selector, the output. Ledger reports are for
staff.report_ledger_read (finance, auditor), the portfolio also for loan officers."""

from django.http import HttpResponse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports import api_docs as docs
from reports import exports, selectors
from reports.serializers import JournalIn, PortfolioOut, TrialBalanceIn, TrialBalanceOut
from staff.permissions import HasPerm

LEDGER = "staff.report_ledger_read"
PORTFOLIO = "staff.report_portfolio_read"


class TrialBalanceView(APIView):
    permission_classes = [HasPerm(LEDGER)]

    @docs.TRIAL_BALANCE
    def get(self, request: Request, *args, **kwargs) -> Response:
        data = TrialBalanceIn(data=request.query_params)
        data.is_valid(raise_exception=True)
        as_of = data.validated_data.get("as_of") or timezone.localdate()
        return Response(TrialBalanceOut(selectors.trial_balance(as_of=as_of)).data)


class JournalView(APIView):
    permission_classes = [HasPerm(LEDGER)]

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # `?format=` names the file here, not one of DRF's renderers: never a 404 for it.
        return super().perform_content_negotiation(request, force=True)

    @docs.JOURNAL
    def get(self, request: Request, *args, **kwargs) -> HttpResponse:
        data = JournalIn(data=request.query_params)
        data.is_valid(raise_exception=True)
        today = timezone.localdate()
        date_to = data.validated_data.get("to") or today
        date_from = data.validated_data.get("from") or min(date_to, today).replace(day=1)
        return exports.journal(
            date_from=date_from, date_to=date_to, fmt=data.validated_data["format"]
        )


class PortfolioView(APIView):
    permission_classes = [HasPerm(PORTFOLIO)]

    @docs.PORTFOLIO
    def get(self, request: Request, *args, **kwargs) -> Response:
        return Response(PortfolioOut(selectors.portfolio()).data)
