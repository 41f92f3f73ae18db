"""Guilds' flags on a consent, for clearance: list them, reply to one, resolve one. Each view checks
access, calls one selector or service, and answers; a flag is found through its consent, which
the caller must be able to see."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access, selectors, services
from ..models import ConsentFlag, FlagReply
from ..models.notices import FLAG_OUTCOMES
from .serializers import StrictSerializer


class FlagReplyOut(serializers.ModelSerializer):
    class Meta:
        model = FlagReply
        fields = ["id", "author", "resolves", "text", "created_at"]


class FlagOut(serializers.ModelSerializer):
    replies = FlagReplyOut(many=True, read_only=True)

    class Meta:
        model = ConsentFlag
        fields = [
            "id",
            "consent",
            "guild",
            "raised_by",
            "requests_revocation",
            "reason",
            "created_at",
            "state",
            "outcome",
            "resolved_at",
            "replies",
        ]


def _consent(user, pk):
    return get_object_or_404(selectors.consents_for(user), pk=pk)


def _flag(user, consent_pk, flag_pk, verb):
    """Return a flag on any version of a consent the user may see, once the user may clear it."""
    consent = _consent(user, consent_pk)
    access.require(user, consent.production_id, access.CLEARANCE_ROLES, verb)
    return get_object_or_404(
        ConsentFlag.objects.select_related("consent"), pk=flag_pk, consent__chain=consent.chain
    )


class ConsentFlagListApi(APIView):
    """The guilds' flags on every version of a consent, with their state and replies."""

    @extend_schema(responses={200: FlagOut(many=True)})
    def get(self, request, consent):
        record = _consent(request.user, consent)
        # A guild's representative reads the flags of their own guilds; the studio's staff read all.
        mine = (
            None if access.holds(request.user, record.production_id) else access.roles_of(request.user).guilds
        )
        return Response(FlagOut(selectors.flags_on_chain(record, guilds=mine), many=True).data)


class FlagReplyIn(StrictSerializer):
    text = serializers.CharField(allow_blank=True, help_text="The reply the guild representative reads.")


class FlagResolveIn(StrictSerializer):
    outcome = serializers.ChoiceField(choices=FLAG_OUTCOMES)
    text = serializers.CharField(allow_blank=True, help_text="Why: the guild representative reads it.")


class _FlagAnswerApi(APIView):
    input_class: type[StrictSerializer]
    verb: str

    def answer(self, *, actor, flag, **fields):
        raise NotImplementedError

    def post(self, request, consent, flag):
        found = _flag(request.user, consent, flag, self.verb)
        parsed = self.input_class(data=request.data)
        parsed.is_valid(raise_exception=True)
        self.answer(actor=request.user, flag=found, **parsed.validated_data)
        return Response(FlagOut(found).data, status=status.HTTP_201_CREATED)


@extend_schema(request=FlagReplyIn, responses={201: FlagOut})
class ConsentFlagReplyApi(_FlagAnswerApi):
    """Reply to a guild's flag (it is then answered); the representative who raised it is told."""

    input_class, verb = FlagReplyIn, "answer guilds' flags"

    def answer(self, **kwargs):
        return services.flag_reply(**kwargs)


@extend_schema(request=FlagResolveIn, responses={201: FlagOut})
class ConsentFlagResolveApi(_FlagAnswerApi):
    """Resolve a guild's flag: the consent was revoked, amended, or not changed, and why."""

    input_class, verb = FlagResolveIn, "resolve guilds' flags"

    def answer(self, **kwargs):
        return services.flag_resolve(**kwargs)
