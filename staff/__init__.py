"""Staff work: roles, four-eyes approvals and the audit trail.

How another app plugs in:

- Check a staff permission with `staff.permissions.user_can(user, "staff.<codename>")`
  (services; `require_perm` raises 403), `permission_classes = [HasPerm("staff.<codename>")]`
  (API) or `has_*_permission`/`@admin.action(permissions=...)` over `user_can` (admin).
  The codenames and who holds them: staff/roles.py.
- Refuse acting on one's own things with `staff.errors.ConflictOfInterest` (403).
- Record each staff write and money movement with `staff.services.audit_record(...)`
  inside the write's transaction; admin edits with `staff.admin_mixins.AuditedAdminMixin`.
- Route an outflow through four-eyes: `staff.approvals.register_kind(...)` once in the
  app's `ready()`, then `staff.services.approval_request(...)` in the service; answer
  202 `{"approval": ...}` when the outcome is pending (`staff.serializers.ApprovalOut`);
  a MoveView does it with `approval_serializer = ApprovalOut` (loans/api.py: disburse,
  mark-defaulted, acquire; their request services and executors in loans/services.py).
"""
