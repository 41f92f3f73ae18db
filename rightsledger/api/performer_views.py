"""A production's 2026 performer rules and the unions' labour actions against it: clearance
switches the rules and records the actions; anyone who may read the production reads them."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access, selectors, services, vocab
from ..models import Guild, LabourAction
from .serializers import StrictSerializer, strings


class PerformerRulesOut(serializers.Serializer):
    rules = serializers.ListField(child=serializers.CharField(), help_text="The rules switched on")
    available = serializers.DictField(
        child=serializers.CharField(), help_text="Every rule, with what it asks, in words"
    )


class PerformerRulesIn(StrictSerializer):
    rules = strings(required=True, help_text="The rules to switch on; every other one is switched off.")


class LabourActionOut(serializers.ModelSerializer):
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = LabourAction
        fields = ["id", "production", "guild", "started_on", "ended_on", "in_force", "note", "created_at"]

    def get_in_force(self, obj) -> bool:
        return obj.ended_on is None


class LabourActionIn(StrictSerializer):
    guild = serializers.PrimaryKeyRelatedField(queryset=Guild.objects.all())
    started_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LabourActionEndIn(StrictSerializer):
    ended_on = serializers.DateField()


def _production(user, pk):
    return get_object_or_404(selectors.productions_for(user), pk=pk)


def _rules(production) -> dict:
    return {"rules": sorted(production.performer_rules), "available": dict(vocab.PERFORMER_RULE_LABELS)}


class PerformerRulesApi(APIView):
    """The performer rules the gate applies to a production's requests."""

    @extend_schema(responses={200: PerformerRulesOut})
    def get(self, request, production):
        return Response(_rules(_production(request.user, production)))

    @extend_schema(request=PerformerRulesIn, responses={200: PerformerRulesOut})
    def put(self, request, production):
        found = _production(request.user, production)
        access.require(request.user, found, access.CLEARANCE_ROLES, "switch the performer rules")
        parsed = PerformerRulesIn(data=request.data)
        parsed.is_valid(raise_exception=True)
        changed = services.production_performer_rules_set(
            actor=request.user, production=found, rules=parsed.validated_data["rules"]
        )
        return Response(_rules(changed))


class LabourActionListApi(APIView):
    """The labour actions against a production, newest first; clearance records one."""

    @extend_schema(responses={200: LabourActionOut(many=True)})
    def get(self, request, production):
        found = _production(request.user, production)
        actions = LabourAction.objects.filter(production=found).order_by("-id")
        return Response(LabourActionOut(actions, many=True).data)

    @extend_schema(request=LabourActionIn, responses={201: LabourActionOut})
    def post(self, request, production):
        found = _production(request.user, production)
        access.require(request.user, found, access.CLEARANCE_ROLES, "record labour actions")
        parsed = LabourActionIn(data=request.data)
        parsed.is_valid(raise_exception=True)
        action = services.labour_action_record(actor=request.user, production=found, **parsed.validated_data)
        return Response(LabourActionOut(action).data, status=status.HTTP_201_CREATED)


class LabourActionEndApi(APIView):
    """Record the day a labour action ended: from then the gate no longer refuses for it."""

    @extend_schema(request=LabourActionEndIn, responses={200: LabourActionOut})
    def post(self, request, production, action):
        found = _production(request.user, production)
        access.require(request.user, found, access.CLEARANCE_ROLES, "record labour actions")
        existing = get_object_or_404(LabourAction, pk=action, production=found)
        parsed = LabourActionEndIn(data=request.data)
        parsed.is_valid(raise_exception=True)
        ended = services.labour_action_end(actor=request.user, action=existing, **parsed.validated_data)
        return Response(LabourActionOut(ended).data)
