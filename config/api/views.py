"""Platform endpoints: health."""

import logging

from django.db import connection
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.schema import error_responses

logger = logging.getLogger("ose.health")

HealthOut = inline_serializer(
    name="Health",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "error"]),
        "database": serializers.ChoiceField(choices=["ok", "error"]),
    },
)


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["platform"],
        summary="Is the service up",
        description="Checks the database with a trivial query. 503 when it does not answer.",
        responses={200: HealthOut, 503: HealthOut, **error_responses(429)},
        examples=[
            OpenApiExample(
                "Healthy",
                value={"status": "ok", "database": "ok"},
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Database down",
                value={"status": "error", "database": "error"},
                response_only=True,
                status_codes=["503"],
            ),
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception:
            logger.exception("Health check: the database did not answer")
            return Response(
                {"status": "error", "database": "error"},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"status": "ok", "database": "ok"})
