from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from accounts import services
from accounts.models import (
    LedgerAccount,
    LedgerChainCheckpoint,
    LedgerEntry,
    LedgerTransaction,
    TopUp,
    User,
)
from config.errors import DomainError
from staff.admin_mixins import AuditedAdminMixin
from staff.permissions import user_can
from staff.services import audit_record, wallet_adjustment_request


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = ("email", "name", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "date_joined")
    search_fields = ("email", "name")
    ordering = ("-date_joined",)
    date_hierarchy = "date_joined"
    readonly_fields = ("id", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("id", "email", "name", "password")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )

    def user_change_password(self, request, id, form_url=""):
        """Django's password page, in one transaction with its audit event: that
        the password was set or disabled by whom, never the password itself."""
        with transaction.atomic():
            target = self.get_object(request, unquote(id))
            response = super().user_change_password(request, id, form_url)
            user = None if target is None else User.objects.filter(pk=target.pk).first()
            if user is not None and user.password != target.password:
                audit_record(
                    actor=request.user,
                    action="admin.change",
                    subject=user,
                    changes={"password": "set" if user.has_usable_password() else "disabled"},
                )
        return response


# --- Ledger: read-only screens; money moves only through the services -------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows are never added, edited or deleted by hand, not even by a
    superuser: corrections are new transactions posted through the services."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ("account", "amount", "balance_after", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AdjustmentForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=18,
        decimal_places=2,
        help_text="Positive credits the wallet, negative debits it.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Required. Kept with the transaction for the auditors.",
    )


class ReversalForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Required. Why this transaction is undone.",
    )


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    # The balance beside the name, first (lists at 1366 px); the key is for searches.
    list_display = ("name", "balance", "kind", "owner_email", "key")
    list_filter = ("kind", "currency")
    search_fields = ("key", "name", "owner__email", "owner__name")
    list_select_related = ("owner",)
    readonly_fields = ("id", "key", "name", "kind", "owner", "balance", "currency", "created_at")
    actions = ["adjust_wallet"]

    @admin.display(description="owner", ordering="owner__email")
    def owner_email(self, obj: LedgerAccount) -> str:
        return obj.owner.email if obj.owner_id else "-"

    def get_urls(self):
        urls = super().get_urls()
        custom = [
            path(
                "<uuid:account_id>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="accounts_ledgeraccount_adjust",
            )
        ]
        return custom + urls

    def has_adjust_permission(self, request) -> bool:
        return user_can(request.user, "staff.wallet_adjustment_request")

    @admin.action(description="Adjust the selected wallet (one at a time)", permissions=["adjust"])
    def adjust_wallet(self, request, queryset):
        if queryset.count() != 1 or queryset.first().kind != LedgerAccount.Kind.WALLET:
            self.message_user(request, "Select exactly one wallet to adjust.", messages.ERROR)
            return None
        return redirect("admin:accounts_ledgeraccount_adjust", account_id=queryset.first().pk)

    def adjust_view(self, request, account_id):
        if not self.has_adjust_permission(request):
            raise PermissionDenied
        account = get_object_or_404(LedgerAccount, pk=account_id, kind=LedgerAccount.Kind.WALLET)
        form = AdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                outcome = wallet_adjustment_request(
                    user=account.owner,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                if outcome.pending:
                    self.message_user(
                        request,
                        f"Adjustment of {account.name} requested; a finance colleague approves it.",
                        messages.SUCCESS,
                    )
                    return redirect("admin:staff_approval_change", outcome.approval.pk)
                self.message_user(request, f"Adjusted {account.name}.", messages.SUCCESS)
                return redirect("admin:accounts_ledgeraccount_change", account.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Adjust {account.name}",
            "account": account,
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/accounts/adjust_wallet.html", context)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "reference", "created_by", "reverses")
    list_filter = ("kind", "created_at")
    search_fields = ("id", "reference", "memo", "entries__account__owner__email")
    list_select_related = ("created_by", "reverses")
    date_hierarchy = "created_at"
    readonly_fields = ("id", "kind", "reference", "memo", "reverses", "created_by", "created_at")
    inlines = [LedgerEntryInline]
    actions = ["reverse_transaction"]

    def get_urls(self):
        urls = super().get_urls()
        custom = [
            path(
                "<uuid:transaction_id>/reverse/",
                self.admin_site.admin_view(self.reverse_view),
                name="accounts_ledgertransaction_reverse",
            )
        ]
        return custom + urls

    def has_reverse_permission(self, request) -> bool:
        return user_can(request.user, "staff.ledger_reverse")

    @admin.action(
        description="Reverse the selected transaction (one at a time)", permissions=["reverse"]
    )
    def reverse_transaction(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one transaction to reverse.", messages.ERROR)
            return None
        return redirect("admin:accounts_ledgertransaction_reverse", queryset.first().pk)

    def reverse_view(self, request, transaction_id):
        if not self.has_reverse_permission(request):
            raise PermissionDenied
        original = get_object_or_404(LedgerTransaction, pk=transaction_id)
        form = ReversalForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.ledger_reverse(
                    original=original, reason=form.cleaned_data["reason"], by=request.user
                )
            except ValidationError as exc:
                form.add_error("reason", exc.messages)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, "Reversed.", messages.SUCCESS)
                return redirect("admin:accounts_ledgertransaction_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reverse: {original.reference}",
            "original": original,
            "entries": original.entries.select_related("account"),
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/accounts/reverse_transaction.html", context)


@admin.register(LedgerChainCheckpoint)
class LedgerChainCheckpointAdmin(ReadOnlyAdmin):
    """Where the last clean `ledger_verify --checkpoint` left each account's hash
    chain (docs/ledger.md); written only by that command."""

    list_display = ("account", "last_entry_id", "balance", "head_hex", "verified_at")
    list_filter = ("verified_at", "account__kind")
    search_fields = ("account__key", "account__name")
    list_select_related = ("account",)
    readonly_fields = ("account", "last_entry_id", "balance", "head_hex", "verified_at")
    exclude = ("head_hash",)

    @admin.display(description="chain head")
    def head_hex(self, obj: LedgerChainCheckpoint) -> str:
        return bytes(obj.head_hash).hex()


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "amount", "status", "gateway", "provider_reference")
    list_filter = ("status", "gateway", "created_at")
    search_fields = ("id", "user__email", "provider_reference")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "id",
        "user",
        "amount",
        "status",
        "gateway",
        "provider_reference",
        "redirect_url",
        "ledger_transaction",
        "created_at",
        "completed_at",
    )
