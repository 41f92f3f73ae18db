"""API tokens for machines, over the API: list the tokens one may see, make one for oneself (its
text is in the answer, once), revoke one. Each view checks access, calls one selector or service,
and answers."""

from django.http import Http404
from django_otp import user_has_device
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services, vocab
from ..access import second_factor_required
from ..models import ApiToken
from .serializers import StrictBool, StrictSerializer


class ApiTokenOut(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True)
    scope = serializers.ChoiceField(choices=vocab.TOKEN_SCOPES, read_only=True)
    scope_label = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "public_id",
            "name",
            "user",
            "scope",
            "scope_label",
            "state",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_scope_label(self, token) -> str:
        return vocab.TOKEN_SCOPE_LABELS.get(token.scope, token.scope)

    def get_state(self, token) -> str:
        return selectors.token_state(token)


class ApiTokenMadeOut(ApiTokenOut):
    token = serializers.SerializerMethodField(
        help_text="The token itself: shown this once, and kept nowhere. Send it as `Authorization: Bearer …`."
    )

    class Meta(ApiTokenOut.Meta):
        fields = [*ApiTokenOut.Meta.fields, "token"]

    def get_token(self, token) -> str:
        return self.context["text"]


class ApiTokenIn(StrictSerializer):
    name = serializers.CharField(allow_blank=True, help_text="What will use it: a pipeline, a machine.")
    scope = serializers.ChoiceField(choices=vocab.TOKEN_SCOPES)
    expires_at = serializers.CharField(
        allow_blank=True,
        help_text="A date (2027-03-31: it lasts to the end of that day, UTC) or a time; "
        "at most API_TOKEN_MAX_DAYS (365 unless set) from today.",
    )
    revoke_legacy = StrictBool(
        required=False,
        default=False,
        help_text="Also revoke your older, unscoped token (rotating to this one).",
    )


class ApiTokenListApi(APIView):
    """Your API tokens, and those of the users whose tokens you manage (a studio admin: the
    studio's; a clearance user: their productions'); or make one for yourself."""

    @extend_schema(responses={200: ApiTokenOut(many=True)})
    def get(self, request):
        return Response(ApiTokenOut(selectors.tokens_for(request.user), many=True).data)

    @extend_schema(request=ApiTokenIn, responses={201: ApiTokenMadeOut})
    def post(self, request):
        data = ApiTokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        # A token made with a token may not outlast it, so a leaked one cannot renew itself.
        by = request.auth if isinstance(request.auth, ApiToken) else None
        token, text = services.api_token_create(
            actor=request.user,
            user=request.user,
            outlasting=by.expires_at if by else None,
            **data.validated_data,
        )
        return Response(ApiTokenMadeOut(token, context={"text": text}).data, status=status.HTTP_201_CREATED)


class ApiTokenRevokeApi(APIView):
    """Revoke a token: your own, or one of a user whose tokens you manage."""

    @extend_schema(
        request=None,
        responses={200: ApiTokenOut},
        parameters=[
            OpenApiParameter(
                "id",
                str,
                OpenApiParameter.PATH,
                description="The token's public id: the 8 characters after rl_.",
            )
        ],
    )
    def post(self, request, pk):
        token = selectors.tokens_for(request.user).filter(public_id=pk).first()
        if token is None:
            raise Http404("No token with that id among those you may see.")
        return Response(ApiTokenOut(services.api_token_revoke(actor=request.user, token=token)).data)


class PasswordTokenApi(ObtainAuthToken):
    """The user's older single token for a user name and password (DRF's ObtainAuthToken).

    Not for an account that signs in with a second factor: a password alone must not buy what the
    portal asks two factors for. Such a person makes a named token in the portal, after signing in
    there with both; the tokens they already hold keep working until they revoke or rotate them
    (pipelines hold them, and each one was made by someone who had signed in)."""

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if second_factor_required(user):
            if user_has_device(user):
                message = (
                    "Your account signs in with a second factor, so the API does not give a token "
                    "for a password alone. Sign in to the portal and make a token under API tokens."
                )
            else:
                message = (
                    "Your role needs a second factor to sign in, and your account has none yet. Sign "
                    "in to the portal, set up an authenticator app or a passkey there, then make a "
                    "token under API tokens."
                )
            raise exceptions.PermissionDenied(message, code="second_factor_required")
        return super().post(request, *args, **kwargs)
