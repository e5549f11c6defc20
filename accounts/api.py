"""Auth API: register, login, refresh, logout, me. Thin: parse, call a service, answer."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.services import mfa
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
    mfa_enrolled = serializers.BooleanField(
        help_text="An authenticator is enrolled: sign-in asks for its code."
    )


class LoginIn(InputSerializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenPairOut(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class MfaStepOut(serializers.Serializer):
    mfa_required = serializers.BooleanField(help_text="Always true: send a code next.")
    mfa_token = serializers.CharField(
        help_text="Signed, single use, valid 5 minutes: send it with the code to "
        "/api/v1/auth/login/mfa."
    )


class LoginMfaIn(InputSerializer):
    mfa_token = serializers.CharField(max_length=1024)
    code = serializers.CharField(
        max_length=32,
        help_text="The 6-digit code of the authenticator app, or an unused recovery code.",
    )


LOGIN_RESULT = PolymorphicProxySerializer(
    component_name="LoginResult",
    serializers=[TokenPairOut, MfaStepOut],
    resource_type_field_name=None,
)


class RefreshIn(InputSerializer):
    refresh_token = serializers.CharField(max_length=2048)


class RefreshOut(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()


_EXAMPLE_MFA_TOKEN = "eyJ1IjoiNmYxYzdhMGUiLCJuIjoiOWM0YiJ9:1uKx3f:Zc0y1nq8d4s"  # noqa: S105 - a documentation example
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
            "or not the account exists.\n\n"
            "An account with an enrolled authenticator (every staff member under "
            "`STAFF_MFA=required`, donors who opted in) gets no tokens yet: the answer is "
            '`{"mfa_required": true, "mfa_token": "..."}` and the code goes to '
            "`POST /api/v1/auth/login/mfa`."
        ),
        request=LoginIn,
        responses={200: LOGIN_RESULT, **error_responses(400, 401, 429, e401="invalid_credentials")},
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
            OpenApiExample(
                "Code needed",
                value={"mfa_required": True, "mfa_token": _EXAMPLE_MFA_TOKEN},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = LoginIn(data=request.data)
        data.is_valid(raise_exception=True)
        # The plain HttpRequest: the lockout middleware reads its flags from it.
        result = services.auth_login(**data.validated_data, request=request._request)
        if "mfa_token" in result:
            return Response(result)
        return Response({**result, "token_type": "bearer", "expires_in": ACCESS_TOKEN_SECONDS})


class LoginMfaView(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        summary="Second step of sign-in: the authenticator's code",
        description=(
            "Send the `mfa_token` of `POST /api/v1/auth/login` with the 6-digit code of "
            "the authenticator app (or one of the ten recovery codes, each good once). "
            "The answer is the usual token pair; its tokens (and those its refresh "
            "token mints) carry the second factor, which staff actions require "
            "(without it they answer `403 mfa_required`).\n\n"
            "A code counts once: a replayed code, or one older than the last accepted, "
            "is refused. A wrong code is `401 invalid_credentials` and a failed sign-in "
            "for the lockout (the sixth in a row for one email and address: `429`). "
            "The `mfa_token` lasts 5 minutes and is spent by the first right code; an "
            "expired, forged or spent one is `401 token_invalid`."
        ),
        request=LoginMfaIn,
        responses={
            200: TokenPairOut,
            **error_responses(400, 401, 429, mfa.InvalidCode, services.TokenInvalid),
        },
        examples=[
            OpenApiExample(
                "Code",
                value={"mfa_token": _EXAMPLE_MFA_TOKEN, "code": "492039"},
                request_only=True,
            ),
            OpenApiExample(
                "Recovery code",
                value={"mfa_token": _EXAMPLE_MFA_TOKEN, "code": "k7q2m-x9fhe"},
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
        data = LoginMfaIn(data=request.data)
        data.is_valid(raise_exception=True)
        pair = mfa.mfa_login_complete(**data.validated_data, request=request._request)
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
                    "mfa_enrolled": False,
                },
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        user = request.user
        body = {"id": user.pk, "email": user.email, "name": user.name, "is_staff": user.is_staff}
        body["roles"] = user_role_names(user=user)
        body["mfa_enrolled"] = mfa.mfa_enrolled(user=user)
        return Response(MeOut(body).data)
