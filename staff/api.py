"""Staff API: roles, four-eyes approvals, wallet adjustments and the audit trail.

Thin: an input serializer checks the shape, a service or selector does the
work, an output serializer answers. Loading and authorizing one object is the
`*_get_for` selectors' job, who may act the services'; the OpenAPI side of
every operation is in api_docs.py."""

from uuid import UUID

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.api.filters import StrictFilterSet
from config.api.lists import SelectorListView
from config.api.moves import MoveView
from config.api.pagination import CursorPagination
from staff import api_docs as docs
from staff import selectors, services
from staff.models import Approval, AuditEvent
from staff.permissions import HasPerm
from staff.roles import ROLES_BY_NAME
from staff.serializers import (
    ApprovalOut,
    AuditEventOut,
    MfaResetIn,
    RejectIn,
    RoleOut,
    UserRolesIn,
    UserRolesOut,
    WalletAdjustmentIn,
    WalletAdjustmentOut,
)

STAFF_READ = HasPerm("staff.staff_read")


# --- roles -----------------------------------------------------------------------------


@extend_schema_view(get=docs.ROLE_LIST)
class RoleList(APIView):
    permission_classes = [STAFF_READ]

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


@extend_schema_view(put=docs.USER_ROLES_SET)
class UserRoles(APIView):
    permission_classes = [HasPerm("staff.roles_manage")]

    def put(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        target = selectors.user_roles_get_for(user=request.user, pk=pk)
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


@extend_schema_view(get=docs.APPROVAL_LIST)
class ApprovalList(SelectorListView):
    permission_classes = [STAFF_READ]
    serializer_class = ApprovalOut
    filterset_class = ApprovalFilter
    pagination_class = ApprovalPagination
    queryset = Approval.objects.none()

    def select(self) -> QuerySet[Approval]:
        return selectors.approval_list(user=self.request.user)


@extend_schema_view(get=docs.APPROVAL_RETRIEVE)
class ApprovalDetail(APIView):
    permission_classes = [STAFF_READ]

    def get(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        approval = selectors.approval_get_for(user=request.user, pk=pk)
        return Response(ApprovalOut(approval).data)


class _ApprovalMove(MoveView):
    """A decision on an approval; the service checks who may make it (four-eyes,
    the kind's checker permission, conflicts of interest)."""

    permission_classes = [STAFF_READ]
    selector = selectors.approval_get_for
    subject = "approval"
    output_serializer = ApprovalOut


@extend_schema_view(post=docs.APPROVAL_APPROVE)
class ApprovalApprove(_ApprovalMove):
    service = services.approval_approve


@extend_schema_view(post=docs.APPROVAL_REJECT)
class ApprovalReject(_ApprovalMove):
    service = services.approval_reject
    input_serializer = RejectIn


# --- wallet adjustments ----------------------------------------------------------------


@extend_schema_view(post=docs.WALLET_ADJUSTMENT_CREATE)
class WalletAdjustmentCreate(APIView):
    permission_classes = [HasPerm("staff.wallet_adjustment_request")]

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
                {"approval": ApprovalOut(outcome.approval).data}, status=status.HTTP_202_ACCEPTED
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


# --- second factor resets ----------------------------------------------------------------


@extend_schema_view(post=docs.MFA_RESET_CREATE)
class MfaResetCreate(APIView):
    permission_classes = [HasPerm("staff.mfa_reset_request")]

    def post(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        target = selectors.mfa_reset_subject_get_for(user=request.user, pk=pk)
        data = MfaResetIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.mfa_reset_request(
            user=target, reason=data.validated_data["reason"], by=request.user
        )
        if outcome.pending:
            return Response(
                {"approval": ApprovalOut(outcome.approval).data}, status=status.HTTP_202_ACCEPTED
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


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


@extend_schema_view(get=docs.AUDIT_EVENT_LIST)
class AuditEventList(SelectorListView):
    permission_classes = [HasPerm("staff.audit_read")]
    serializer_class = AuditEventOut
    filterset_class = AuditEventFilter
    pagination_class = AuditPagination
    queryset = AuditEvent.objects.none()

    def select(self) -> QuerySet[AuditEvent]:
        return selectors.audit_event_list(user=self.request.user)
