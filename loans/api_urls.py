"""API routes of the loans app, mounted by config/api/urls.py under /api/v1/ (and /api/v2/)."""

from django.urls import path

from loans import api

v1: list = [
    path("qard-hasan/loans", api.LoanListCreate.as_view(), name="loan-list"),
    path("qard-hasan/loans/<uuid:pk>", api.LoanDetail.as_view(), name="loan-detail"),
    path("qard-hasan/loans/<uuid:pk>/approve", api.LoanApprove.as_view(), name="loan-approve"),
    path("qard-hasan/loans/<uuid:pk>/reject", api.LoanReject.as_view(), name="loan-reject"),
    path("qard-hasan/loans/<uuid:pk>/disburse", api.LoanDisburse.as_view(), name="loan-disburse"),
    path(
        "qard-hasan/loans/<uuid:pk>/mark-defaulted",
        api.LoanMarkDefaulted.as_view(),
        name="loan-mark-defaulted",
    ),
    path(
        "qard-hasan/loans/<uuid:pk>/reschedule",
        api.LoanReschedule.as_view(),
        name="loan-reschedule",
    ),
    path("qard-hasan/loans/<uuid:pk>/schedule", api.LoanSchedule.as_view(), name="loan-schedule"),
    path(
        "qard-hasan/loans/<uuid:pk>/repayment", api.LoanRepayment.as_view(), name="loan-repayment"
    ),
    path("murabaha/contracts", api.ContractListCreate.as_view(), name="murabaha-list"),
    path("murabaha/contracts/<uuid:pk>", api.ContractDetail.as_view(), name="murabaha-detail"),
    path(
        "murabaha/contracts/<uuid:pk>/acquire",
        api.ContractAcquire.as_view(),
        name="murabaha-acquire",
    ),
    path("murabaha/contracts/<uuid:pk>/offer", api.ContractOffer.as_view(), name="murabaha-offer"),
    path(
        "murabaha/contracts/<uuid:pk>/accept", api.ContractAccept.as_view(), name="murabaha-accept"
    ),
    path(
        "murabaha/contracts/<uuid:pk>/cancel", api.ContractCancel.as_view(), name="murabaha-cancel"
    ),
    path(
        "murabaha/contracts/<uuid:pk>/schedule",
        api.ContractSchedule.as_view(),
        name="murabaha-schedule",
    ),
    path(
        "murabaha/contracts/<uuid:pk>/payments",
        api.ContractPayment.as_view(),
        name="murabaha-payments",
    ),
    path(
        "murabaha/contracts/<uuid:pk>/mark-defaulted",
        api.ContractMarkDefaulted.as_view(),
        name="murabaha-mark-defaulted",
    ),
    path(
        "murabaha/contracts/<uuid:pk>/rebate",
        api.ContractRebate.as_view(),
        name="murabaha-rebate",
    ),
    path(
        "murabaha/contracts/<uuid:pk>/reschedule",
        api.ContractReschedule.as_view(),
        name="murabaha-reschedule",
    ),
    path(
        "murabaha/contracts/<uuid:pk>/charity-payments",
        api.ContractCharityPayment.as_view(),
        name="murabaha-charity-payments",
    ),
]
v2: list = []
