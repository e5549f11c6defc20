"""API routes of the staff app, mounted by config/api/urls.py under /api/v1/."""

from django.urls import path

from staff import api

v1: list = [
    path("roles", api.RoleList.as_view(), name="roles"),
    path("users/<uuid:pk>/roles", api.UserRoles.as_view(), name="user-roles"),
    path("users/<uuid:pk>/mfa-reset", api.MfaResetCreate.as_view(), name="user-mfa-reset"),
    path("approvals", api.ApprovalList.as_view(), name="approvals"),
    path("approvals/<uuid:pk>", api.ApprovalDetail.as_view(), name="approval"),
    path(
        "approvals/<uuid:pk>/approve",
        api.ApprovalApprove.as_view(),
        name="approval-approve",
    ),
    path("approvals/<uuid:pk>/reject", api.ApprovalReject.as_view(), name="approval-reject"),
    path("wallet-adjustments", api.WalletAdjustmentCreate.as_view(), name="wallet-adjustments"),
    path("audit-events", api.AuditEventList.as_view(), name="audit-events"),
]
v2: list = []
