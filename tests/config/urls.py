"""The real routes plus a few probe views that exercise the API plumbing."""

from django.urls import include, path
from rest_framework import generics, serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.api.fields import MoneyField
from config.urls import urlpatterns as site_urlpatterns


class Boom(APIView):
    def get(self, request, *args, **kwargs):
        raise RuntimeError("secret internal detail /etc/passwd")


class StaffOnly(APIView):
    permission_classes = [IsAdminUser]

    def get(self, request, *args, **kwargs):
        return Response({"ok": True})


class UserRow(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email"]


class UserList(generics.ListAPIView):
    serializer_class = UserRow
    queryset = User.objects.all()
    ordering = ("-date_joined", "-id")

    def get_paginator_ordering(self):
        return self.ordering

    @property
    def paginator(self):
        paginator = super().paginator
        paginator.ordering = self.ordering
        return paginator


class Amount(APIView):
    class In(serializers.Serializer):
        amount = MoneyField()

    def post(self, request, *args, **kwargs):
        data = self.In(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"amount": data.validated_data["amount"]})


def django_boom(request):
    raise RuntimeError("plain django view failure")


probe = [
    path("boom", Boom.as_view()),
    path("staff-only", StaffOnly.as_view()),
    path("users", UserList.as_view()),
    path("amount", Amount.as_view()),
    path("django-boom", django_boom),
]

urlpatterns = [path("api/v1/probe/", include(probe)), *site_urlpatterns]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
