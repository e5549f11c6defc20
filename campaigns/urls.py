"""Page routes of the campaigns app, mounted at the site root by config/urls.py."""

from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns: list = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/new/", views.campaign_new, name="new"),
    path("campaigns/<uuid:pk>/", views.campaign_detail, name="detail"),
    path("campaigns/<uuid:pk>/donate/", views.campaign_donate, name="donate"),
    path("campaigns/<uuid:pk>/cover/", views.campaign_cover, name="cover"),
    path("campaigns/<uuid:pk>/updates/", views.campaign_update_new, name="update_new"),
    path("donations/", views.my_donations, name="my_donations"),
    path("donations/<uuid:pk>/receipt/", views.donation_receipt, name="receipt"),
]
