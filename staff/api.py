"""Staff API: roles, four-eyes approvals, wallet adjustments and the audit trail.

Thin: an input serializer checks the shape, a service or selector does the
work, an output serializer answers. Examples and error docs: staff/api_docs.py.
"""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.api.filters import StrictFilterSet
from config.api.pagination import CursorPagination
from config.api.schema import error_responses
from staff import api_docs as docs
from staff import selectors, services
from staff.models import Approval, AuditEvent
from staff.permissions import HasPerm
from staff.roles import ROLES_BY_NAME
from staff.serializers import (
    ApprovalEnvelopeOut,
    ApprovalOut,
    AuditEventOut,
    RejectIn,
    RoleOut,
    UserRolesIn,
    UserRolesOut,
    WalletAdjustmentIn,
    WalletAdjustmentOut,
)

TAGS = ["staff"]
STAFF_READ = HasPerm("staff.staff_read")


def _approval_body(approval: Approval) -> dict:
    return ApprovalOut(approval).data


# --- roles -----------------------------------------------------------------------------


class RoleList(APIView):
    permission_classes = [STAFF_READ]

    @extend_schema(
        tags=TAGS,
        summary="The staff roles",
        description="Each role with what it may do and its permissions (`app.codename`). "
        "Staff holding staff.staff_read (every role) only.",
        responses={200: RoleOut(many=True), **error_responses(401, 403, 429)},
        examples=[docs.ROLES_EXAMPLE],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        body = [
            {
                "name": group.name,
                "description": ROLES_BY_NAME[group.name].description,
                "permissions": [
                    f"{perm.content_type.app_label}.{perm.codename}"
                    for perm in group.permissions.all()
                ],
            }
            for group in selectors.role_list()
        ]
        return Response(RoleOut(body, many=True).data)


class UserRoles(APIView):
    permission_classes = [HasPerm("staff.roles_manage")]

    @extend_schema(
        tags=TAGS,
        summary="Set a person's roles",
        description="Administrators only. The list replaces the person's roles; any role "
        "makes them staff, `[]` removes staff. Your own roles: 403 `conflict_of_interest`; "
        "an unknown role: 400. Audited (`roles.set`).",
        request=UserRolesIn,
        responses={
            200: UserRolesOut,
            **docs.errors(400, docs.E_VALIDATION),
            **docs.errors(403, docs.E_DENIED, docs.E_CONFLICT),
            **error_responses(401, 404, 429),
        },
        examples=[
            OpenApiExample("Make finance", value={"roles": ["finance"]}, request_only=True),
            docs.USER_ROLES_EXAMPLE,
        ],
    )
    def put(self, request: Request, pk, *args, **kwargs) -> Response:
        target = selectors.user_get_for_roles(user=request.user, pk=pk)
        data = UserRolesIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_roles_set(
            user=target, roles=data.validated_data["roles"], by=request.user
        )
        return Response(
            UserRolesOut(
                {
                    "id": user.pk,
                    "email": user.email,
                    "name": user.name,
                    "is_staff": user.is_staff,
                    "roles": selectors.user_role_names(user=user),
                }
            ).data
        )


# --- approvals -------------------------------------------------------------------------


class ApprovalPagination(CursorPagination):
    ordering = ("-requested_at", "-id")


class ApprovalFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=Approval.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Approval.Kind.choices)

    class Meta:
        model = Approval
        fields = ["status", "kind"]


class ApprovalList(generics.ListAPIView):
    permission_classes = [STAFF_READ]
    serializer_class = ApprovalOut
    filterset_class = ApprovalFilter
    pagination_class = ApprovalPagination
    queryset = Approval.objects.none()  # for the schema; real rows come from the selector

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.approval_list(user=self.request.user)

    @extend_schema(
        tags=TAGS,
        summary="List approvals",
        description="Every request waiting for (or decided by) a second person, newest "
        "first. Filter by `?status=` and `?kind=`. Staff only.",
        responses={200: ApprovalOut(many=True), **error_responses(400, 401, 403, 429)},
        examples=[docs.approval_example("Pending adjustment")],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class ApprovalDetail(APIView):
    permission_classes = [STAFF_READ]

    @extend_schema(
        tags=TAGS,
        summary="One approval",
        responses={200: ApprovalOut, **error_responses(401, 403, 404, 429)},
        examples=[docs.approval_example("Pending adjustment")],
    )
    def get(self, request: Request, pk, *args, **kwargs) -> Response:
        return Response(_approval_body(selectors.approval_get_for(user=request.user, pk=pk)))


class ApprovalApprove(APIView):
    permission_classes = [STAFF_READ]

    @extend_schema(
        tags=TAGS,
        summary="Approve and execute",
        description="A second person holding the kind's checker permission (finance for "
        "money) approves; the action happens in the same transaction, exactly once. The "
        "requester: 403 `four_eyes_required`; the subject's owner: 403 "
        "`conflict_of_interest`; already decided: 400 `approval_not_pending`. When a rule "
        "of the action fails now (402 `insufficient_funds`, 400 `invalid_transition`...) "
        "that error is the answer and the approval stays `pending`.",
        request=None,
        responses={
            200: ApprovalOut,
            **docs.errors(400, docs.E_NOT_PENDING, docs.E_TRANSITION, docs.E_VALIDATION),
            **docs.errors(402, docs.E_FUNDS),
            **docs.errors(403, docs.E_DENIED, docs.E_FOUR_EYES, docs.E_CONFLICT),
            **error_responses(401, 404, 429),
        },
        examples=[docs.approval_example("Executed", **docs.EXECUTED)],
    )
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        approval = selectors.approval_get_for(user=request.user, pk=pk)
        approval = services.approval_approve(approval=approval, by=request.user)
        return Response(_approval_body(approval))


class ApprovalReject(APIView):
    permission_classes = [STAFF_READ]

    @extend_schema(
        tags=TAGS,
        summary="Reject, or withdraw your own request",
        description="A checker rejects, or the requester withdraws; nothing of the action "
        "happens. A reason is required.",
        request=RejectIn,
        responses={
            200: ApprovalOut,
            **docs.errors(400, docs.E_NOT_PENDING, docs.E_VALIDATION),
            **docs.errors(403, docs.E_DENIED, docs.E_CONFLICT),
            **error_responses(401, 404, 429),
        },
        examples=[
            OpenApiExample(
                "Reject", value={"reason": "The top-up was not doubled."}, request_only=True
            ),
            docs.approval_example("Rejected", **docs.REJECTED),
        ],
    )
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        approval = selectors.approval_get_for(user=request.user, pk=pk)
        data = RejectIn(data=request.data)
        data.is_valid(raise_exception=True)
        approval = services.approval_reject(
            approval=approval, by=request.user, reason=data.validated_data["reason"]
        )
        return Response(_approval_body(approval))


# --- wallet adjustments ----------------------------------------------------------------


class WalletAdjustmentCreate(APIView):
    permission_classes = [HasPerm("staff.wallet_adjustment_request")]

    @extend_schema(
        tags=TAGS,
        summary="Request a wallet adjustment",
        description="Finance only. `amount` is signed and not zero (positive credits), at "
        "most WALLET_ADJUSTMENT_MAX (default 10000.00) either way; a reason is required; "
        "nobody adjusts their own wallet (403 `conflict_of_interest`). Answers 202 with the "
        "approval a second finance person approves; with `wallet_adjustment` left out of "
        "FOUR_EYES the adjustment is posted at once (201).",
        request=WalletAdjustmentIn,
        responses={
            202: ApprovalEnvelopeOut,
            201: WalletAdjustmentOut,
            **docs.errors(400, docs.E_VALIDATION),
            **docs.errors(402, docs.E_FUNDS),
            **docs.errors(403, docs.E_DENIED, docs.E_CONFLICT),
            **error_responses(401, 429),
        },
        examples=[
            OpenApiExample(
                "Debit a double credit",
                value={
                    "user_id": docs.USER_ID,
                    "amount": "-25.00",
                    "reason": "Duplicate top-up credited twice by the provider",
                },
                request_only=True,
            ),
            docs.APPROVAL_PENDING_202,
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = WalletAdjustmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = User.objects.filter(pk=data.validated_data["user_id"]).first()
        if user is None:
            raise serializers.ValidationError({"user_id": ["No such user."]})
        outcome = services.wallet_adjustment_request(
            user=user,
            amount=data.validated_data["amount"],
            reason=data.validated_data["reason"],
            by=request.user,
        )
        if outcome.pending:
            return Response(
                {"approval": _approval_body(outcome.approval)}, status=status.HTTP_202_ACCEPTED
            )
        txn = outcome.result
        return Response(
            WalletAdjustmentOut(
                {
                    "transaction_id": txn.pk,
                    "user_id": user.pk,
                    "amount": data.validated_data["amount"],
                    "reason": txn.memo,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


# --- audit trail -----------------------------------------------------------------------


class AuditPagination(CursorPagination):
    ordering = ("-at", "-id")


class AuditEventFilter(StrictFilterSet):
    actor = django_filters.UUIDFilter(field_name="actor_id", label="Actor's user id")
    action = django_filters.CharFilter(field_name="action", label="Action, e.g. roles.set")
    subject_id = django_filters.CharFilter(field_name="subject_id", label="Subject id")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "subject_id"]


class AuditEventList(generics.ListAPIView):
    permission_classes = [HasPerm("staff.audit_read")]
    serializer_class = AuditEventOut
    filterset_class = AuditEventFilter
    pagination_class = AuditPagination
    queryset = AuditEvent.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.audit_event_list(user=self.request.user)

    @extend_schema(
        tags=TAGS,
        summary="The audit trail",
        description="Who did what to which thing, newest first: every staff write and "
        "every money movement. Auditors and administrators only. Filter by `?actor=` (user "
        "id), `?action=` and `?subject_id=`.",
        responses={200: AuditEventOut(many=True), **error_responses(400, 401, 403, 429)},
        examples=[docs.AUDIT_EXAMPLE],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
