"""Auth API: register, login, refresh, logout, me. Thin: parse, call a service, answer."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from config.api.schema import error_responses
from config.api.serializers import InputSerializer
from staff.selectors import user_role_names

ACCESS_TOKEN_SECONDS = 30 * 60


class RegisterIn(InputSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    name = serializers.CharField(max_length=150)


class UserOut(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    name = serializers.CharField()


class MeOut(UserOut):
    is_staff = serializers.BooleanField()
    roles = serializers.ListField(
        child=serializers.CharField(), help_text="Staff roles held (staff/roles.py); [] for none."
    )


class LoginIn(InputSerializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenPairOut(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class RefreshIn(InputSerializer):
    refresh_token = serializers.CharField(max_length=2048)


class RefreshOut(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()


_EXAMPLE_TOKENS = {
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.sig",
    "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.sig",
}


class PublicAuthView(APIView):
    """Endpoints that take no credentials (and so need no CSRF token)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class RegisterView(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        summary="Create an account",
        request=RegisterIn,
        responses={201: UserOut, **error_responses(400, 429)},
        examples=[
            OpenApiExample(
                "Register",
                value={
                    "email": "amina@example.org",
                    "password": "a-long-passphrase",
                    "name": "Amina",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Created",
                value={
                    "id": "6f1c7a0e-3b7c-4d7e-9a55-2d1f0e2c9b11",
                    "email": "amina@example.org",
                    "name": "Amina",
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = RegisterIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(**data.validated_data)
        return Response(UserOut(user).data, status=status.HTTP_201_CREATED)


class LoginView(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        summary="Sign in and get a token pair",
        description=(
            "Wrong email and wrong password get the same `401 invalid_credentials`. "
            "The sixth failure in a row for one email from one address locks that "
            "pair out for 15 minutes (`429 throttled` with `Retry-After`), whether "
            "or not the account exists."
        ),
        request=LoginIn,
        responses={200: TokenPairOut, **error_responses(400, 401, 429, e401="invalid_credentials")},
        examples=[
            OpenApiExample(
                "Login",
                value={"email": "amina@example.org", "password": "a-long-passphrase"},
                request_only=True,
            ),
            OpenApiExample(
                "Tokens",
                value={
                    **_EXAMPLE_TOKENS,
                    "token_type": "bearer",
                    "expires_in": ACCESS_TOKEN_SECONDS,
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = LoginIn(data=request.data)
        data.is_valid(raise_exception=True)
        # The plain HttpRequest: the lockout middleware reads its flags from it.
        pair = services.auth_login(**data.validated_data, request=request._request)
        return Response({**pair, "token_type": "bearer", "expires_in": ACCESS_TOKEN_SECONDS})


class RefreshView(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        summary="Rotate the token pair",
        description="The refresh token sent stops working; use the new one next time.",
        request=RefreshIn,
        responses={200: RefreshOut, **error_responses(400, 401, 429, e401="token_invalid")},
        examples=[
            OpenApiExample(
                "Refresh",
                value={"refresh_token": _EXAMPLE_TOKENS["refresh_token"]},
                request_only=True,
            ),
            OpenApiExample(
                "New pair", value=_EXAMPLE_TOKENS, response_only=True, status_codes=["200"]
            ),
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = RefreshIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.auth_tokens_refresh(**data.validated_data))


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        summary="Revoke a refresh token",
        request=RefreshIn,
        responses={
            204: OpenApiResponse(description="Revoked."),
            **error_responses(400, 401, 403, 429),
        },
        examples=[
            OpenApiExample(
                "Logout",
                value={"refresh_token": _EXAMPLE_TOKENS["refresh_token"]},
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = RefreshIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.auth_logout(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        summary="Who am I",
        responses={200: MeOut, **error_responses(401, 429)},
        examples=[
            OpenApiExample(
                "Me",
                value={
                    "id": "6f1c7a0e-3b7c-4d7e-9a55-2d1f0e2c9b11",
                    "email": "amina@example.org",
                    "name": "Amina",
                    "is_staff": False,
                    "roles": [],
                },
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        user = request.user
        body = {"id": user.pk, "email": user.email, "name": user.name, "is_staff": user.is_staff}
        return Response(MeOut({**body, "roles": user_role_names(user=user)}).data)
