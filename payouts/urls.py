from django.urls import path

from payouts import views

app_name = "payouts"

urlpatterns = [
    path("wallet/withdraw/", views.withdraw, name="withdraw"),
    path("wallet/payout-accounts/", views.payout_accounts, name="accounts"),
    path(
        "wallet/payout-accounts/<uuid:pk>/delete/",
        views.payout_account_delete,
        name="account_delete",
    ),
]
