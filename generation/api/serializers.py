from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rightsledger import input_policy as parse
from rightsledger import selectors as rl_selectors
from rightsledger.api.serializers import (
    StrictBool,
    StrictSerializer,
    VisibleRelated,
    strings,
)

from .. import fastpaths
from ..models import (
    Decision,
    GenerationOutput,
    GenerationRequest,
    OutputDisclosure,
    RequestInput,
    SignOff,
)


class InputIn(StrictSerializer):
    asset = serializers.IntegerField(required=False, allow_null=True, default=None)
    upload = serializers.CharField(
        required=False, allow_null=True, default=None, help_text="Name of a multipart file field"
    )
    role = serializers.CharField(max_length=16)
    modality = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    frames = serializers.ListField(
        child=serializers.IntegerField(min_value=0),
        min_length=2,
        max_length=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="For a clip: the first and last frame to use, counted from 0, both included",
    )


@extend_schema_field(InputIn(many=True))
class InputsField(serializers.Field):
    """A list of inputs, given as JSON, or as a JSON string in a multipart form."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = parse.json_value(data, field="inputs")
            except DjangoValidationError as exc:
                example = '[{"asset": 12, "role": "plate"}]'
                message = f"{exc.messages[0]} Give inputs as a JSON list, such as {example}."
                raise serializers.ValidationError(message, code="invalid") from None
        if not isinstance(data, list):
            raise serializers.ValidationError("inputs must be a list.", code="not_a_list")
        try:
            return fastpaths.plain_inputs(data)  # InputIn's checks, by hand: see generation.fastpaths
        except fastpaths.InputsRefused as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None

    def to_representation(self, value):
        return value


class RequestIn(StrictSerializer):
    shot = VisibleRelated(
        lambda user: rl_selectors.shots_for(user).select_related("production")
    )  # the request needs both
    engine = serializers.CharField(max_length=64)
    engine_version = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    prompt = serializers.CharField(required=False, allow_blank=True, default="")
    parameters = serializers.JSONField(required=False, default=dict)
    seed = serializers.IntegerField()
    intended_use = serializers.CharField(max_length=32)
    media = strings()
    territories = strings()
    territory_exclusions = strings(required=False, default=list)
    languages = strings(required=False, default=list)
    release_start = serializers.DateField()
    release_end = serializers.DateField()
    inputs = InputsField()
    synthetic_justification = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why a synthetic performer is used rather than a performer (the gate's R8).",
    )
    advertising_disclosure_acknowledged = StrictBool(
        required=False,
        default=False,
        help_text="The advertisement will disclose its synthetic performer or digital replica (R11).",
    )
    run_when_approved = StrictBool(
        required=False,
        default=False,
        help_text=(
            "Queue the run as soon as the request is approved: at once when the gate approves it, "
            "or by the clearance sign-off that approves it (no call to queue)."
        ),
    )

    def to_internal_value(self, data):
        # Multipart: the inputs' files arrive as extra fields, named by each input's "upload".
        if hasattr(data, "getlist"):
            files = self.context["request"].FILES
            data = {
                k: (
                    data.getlist(k)
                    if k in ("media", "territories", "territory_exclusions", "languages")
                    else data[k]
                )
                for k in data
                if k not in files
            }
            for flag in ("run_when_approved", "advertising_disclosure_acknowledged"):
                if data.get(flag) in ("true", "false"):  # a form's text for JSON's boolean
                    data[flag] = data[flag] == "true"
            if isinstance(data.get("parameters"), str):
                data["parameters"] = parse.json_value(data["parameters"], field="parameters")
            if isinstance(data.get("inputs"), str):  # the input policy walks its values, not its JSON layout
                try:
                    data["inputs"] = parse.json_value(data["inputs"], field="inputs")
                except DjangoValidationError:
                    pass  # InputsField says what is wrong
        return super().to_internal_value(data)


class InputOut(serializers.ModelSerializer):
    class Meta:
        model = RequestInput
        fields = [
            "position",
            "role",
            "asset",
            "sha256",
            "match",
            "match_score",
            "modality",
            "frame_start",
            "frame_end",
        ]


class DecisionOut(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "kind", "outcome", "reasons", "as_of_seq", "ledger_seq", "created_at"]


class SignOffOut(serializers.ModelSerializer):
    class Meta:
        model = SignOff
        fields = ["id", "decision", "approver", "approved", "comment", "ledger_seq", "created_at"]


class OutputOut(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="asset.sha256")
    media_type = serializers.CharField(source="asset.media_type")

    class Meta:
        model = GenerationOutput
        fields = [
            "asset",
            "sha256",
            "media_type",
            "run_decision",
            "engine_seconds",
            "engine_metadata",
            "ledger_seq",
            "created_at",
        ]


class RequestOut(serializers.ModelSerializer):
    inputs = InputOut(many=True, read_only=True)
    decisions = DecisionOut(many=True, read_only=True)
    sign_offs = SignOffOut(many=True, read_only=True)
    output = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()

    class Meta:
        model = GenerationRequest
        fields = [
            "id",
            "production",
            "shot",
            "requester",
            "engine",
            "engine_version",
            "prompt",
            "parameters",
            "seed",
            "intended_use",
            "media",
            "territories",
            "territory_exclusions",
            "languages",
            "release_start",
            "release_end",
            "synthetic_justification",
            "advertising_disclosure_acknowledged",
            "talents",
            "status",
            "run_when_approved",
            "attempts",
            "failure",
            "decision",
            "inputs",
            "decisions",
            "sign_offs",
            "output",
            "created_at",
            "updated_at",
        ]

    def get_decision(self, obj) -> dict | None:
        decisions = list(obj.decisions.all())
        return DecisionOut(decisions[-1]).data if decisions else None

    def get_output(self, obj) -> dict | None:
        output = GenerationOutput.objects.filter(request=obj).select_related("asset").first()
        return OutputOut(output).data if output else None


class SignOffIn(StrictSerializer):
    approve = StrictBool()
    comment = serializers.CharField(allow_blank=True)
    acknowledge_flags = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=100,
        help_text="The ids of the guilds' unresolved flags this approval goes over: an approval over "
        "a flag on a consent the request relies on is refused without them. A refusal needs none.",
    )


class CheckOut(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["approved", "refused", "needs_clearance"])
    as_of_seq = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.DictField())


class DisclosureIn(StrictSerializer):
    position = serializers.CharField(
        max_length=32,
        help_text="deepfake (a realistic depiction of a real person or event: Art. 50(4)), artistic "
        "(evidently artistic, creative or fictional: disclosed in the credits) or not_applicable",
    )
    reason = serializers.CharField(allow_blank=True, help_text="Why this position applies")


class DisclosureOut(serializers.ModelSerializer):
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = OutputDisclosure
        fields = ["id", "position", "basis", "decided_by", "reason", "ledger_seq", "created_at"]

    def get_decided_by(self, obj) -> int | None:
        return obj.decided_by_id
