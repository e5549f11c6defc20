from django.urls import path

from giving import views

app_name = "giving"

urlpatterns = [
    path("recurring/", views.recurring, name="recurring"),
    path("recurring/<uuid:pk>/", views.recurring_change, name="recurring_change"),
    path("statements/", views.statements, name="statements"),
]
