import datetime
import json
import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from django.core.exceptions import ValidationError as DjangoValidationError

from rightsledger import input_policy
from rightsledger import inputs as parse
from rightsledger import selectors as rl_selectors
from rightsledger.api.serializers import StrictBool, StrictSerializer, VisibleRelated, strings
from rightsledger.validation import MAX_ITEMS

from ..models import Decision, GenerationOutput, GenerationRequest, RequestInput, SignOff


class InputIn(StrictSerializer):
    asset = serializers.IntegerField(required=False, allow_null=True, default=None)
    upload = serializers.CharField(required=False, allow_null=True, default=None, help_text="Name of a multipart file field")
    role = serializers.CharField(max_length=16)
    modality = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    frames = serializers.ListField(child=serializers.IntegerField(min_value=0), min_length=2, max_length=2, required=False, allow_null=True,
                                   default=None, help_text="For a clip: the first and last frame to use, counted from 0, both included")


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
                raise serializers.ValidationError(message, code="invalid")
        if not isinstance(data, list):
            raise serializers.ValidationError("inputs must be a list.", code="not_a_list")
        found = input_policy.problems(data, field="inputs")  # a form's inputs may arrive as JSON text
        if found:
            raise serializers.ValidationError(found[0].message, code=found[0].code)
        # Checked by hand rather than with InputIn per item: a serializer instance per input
        # costs about a millisecond each, which a request with dozens of inputs feels.
        items, allowed = [], {"asset", "upload", "role", "modality", "frames"}
        for n, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                raise serializers.ValidationError(f"Input {n} must be an object such as {{\"asset\": 12, \"role\": \"plate\"}}.", code="invalid")
            unknown = sorted(set(item) - allowed)
            if unknown:
                raise serializers.ValidationError(f"Input {n}: unknown field {', '.join(unknown)}; an input takes {', '.join(sorted(allowed))}.", code="unknown_field")
            asset, upload, role, modality = item.get("asset"), item.get("upload"), item.get("role"), item.get("modality") or ""
            if asset is not None and (isinstance(asset, bool) or not isinstance(asset, int)):
                try:
                    asset = parse.whole_number(asset, field="asset", minimum=1)
                except DjangoValidationError:
                    raise serializers.ValidationError(f"Input {n}: asset must be an asset id.", code="invalid")
            if upload is not None and not isinstance(upload, str):
                raise serializers.ValidationError(f"Input {n}: upload names a multipart file field.", code="invalid")
            if not isinstance(role, str) or not role:
                raise serializers.ValidationError(f"Input {n}: give its role (plate, reference, element, likeness or style).", code="required")
            if not isinstance(modality, str):
                raise serializers.ValidationError(f"Input {n}: modality must be text.", code="invalid")
            frames = item.get("frames")
            if frames is not None and not (isinstance(frames, list) and len(frames) == 2
                                           and all(isinstance(f, int) and not isinstance(f, bool) and 0 <= f < 2**31 for f in frames)):
                raise serializers.ValidationError(f"Input {n}: frames must be [first, last], two frame numbers counted from 0, such as [0, 47].", code="invalid")
            items.append({"asset": asset, "upload": upload, "role": role, "modality": modality, "frames": frames})
        return items

    def to_representation(self, value):
        return value


class RequestIn(StrictSerializer):
    shot = VisibleRelated(lambda user: rl_selectors.shots_for(user).select_related("production"))  # the request needs both
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

    def to_internal_value(self, data):
        # Multipart: the inputs' files arrive as extra fields, named by each input's "upload".
        if hasattr(data, "getlist"):
            files = self.context["request"].FILES
            data = {k: (data.getlist(k) if k in ("media", "territories", "territory_exclusions", "languages") else data[k]) for k in data if k not in files}
            if isinstance(data.get("parameters"), str):
                data["parameters"] = parse.json_value(data["parameters"], field="parameters")
            if isinstance(data.get("inputs"), str):  # the input policy walks its values, not its JSON layout
                try:
                    data["inputs"] = parse.json_value(data["inputs"], field="inputs")
                except DjangoValidationError:
                    pass  # InputsField says what is wrong
        return super().to_internal_value(data)


# What RequestIn's text fields refuse once stripped: a NUL, or half of a surrogate pair.
_ODD_TEXT = re.compile("[\x00\ud800-\udfff]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TEXT = {"engine": (64, False), "engine_version": (32, True), "prompt": (None, True), "intended_use": (32, False)}  # max length, blank allowed
_LISTS = ("media", "territories", "territory_exclusions", "languages")
_REQUIRED = {"shot", "engine", "seed", "intended_use", "media", "territories", "release_start", "release_end", "inputs"}
_FIELDS = _REQUIRED | set(_TEXT) | set(_LISTS) | {"parameters"}


def plain_request_in(data) -> dict | None:
    """RequestIn's validated data for a plain JSON request, without a serializer (its fields cost
    more than the gate's decision): the same values RequestIn gives, with the shot as its id. None
    for anything else (a form, a value of another type or out of range, a missing or unknown
    field, text to strip...): RequestIn then parses it, and gives its errors."""
    if type(data) is not dict or not _REQUIRED <= data.keys() <= _FIELDS or input_policy.problems(data):
        return None
    shot, seed = data["shot"], data["seed"]
    if type(shot) is not int or not 0 < shot < 2**31 or type(seed) is not int or type(data.get("parameters", {})) is not dict:
        return None
    out = {"shot": shot, "seed": seed, "parameters": data.get("parameters", {})}
    try:
        json.dumps(out["parameters"], allow_nan=False)  # as the JSONField checks it: no NaN or infinity
    except ValueError:
        return None
    for name, (limit, blank) in _TEXT.items():
        value = data.get(name, "")
        if type(value) is not str or value != value.strip() or (not value and not blank) or (limit and len(value) > limit) or _ODD_TEXT.search(value):
            return None
        out[name] = value
    for name in _LISTS:
        values = data.get(name, [])
        if type(values) is not list or len(values) > MAX_ITEMS:
            return None
        for value in values:
            if type(value) is not str or not value or value != value.strip() or len(value) > 200 or _ODD_TEXT.search(value):
                return None
        out[name] = list(values)
    for name in ("release_start", "release_end"):
        value = data[name]
        if type(value) is not str or not _ISO_DATE.fullmatch(value):
            return None
        try:
            out[name] = datetime.date.fromisoformat(value)
        except ValueError:
            return None
    try:
        out["inputs"] = InputsField().to_internal_value(data["inputs"]) if type(data["inputs"]) is list else None
    except serializers.ValidationError:
        return None
    return out if out["inputs"] is not None else None


class InputOut(serializers.ModelSerializer):
    class Meta:
        model = RequestInput
        fields = ["position", "role", "asset", "sha256", "match", "match_score", "modality", "frame_start", "frame_end"]


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
        fields = ["asset", "sha256", "media_type", "run_decision", "engine_seconds", "engine_metadata", "ledger_seq", "created_at"]


class RequestOut(serializers.ModelSerializer):
    inputs = InputOut(many=True, read_only=True)
    decisions = DecisionOut(many=True, read_only=True)
    sign_offs = SignOffOut(many=True, read_only=True)
    output = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()

    class Meta:
        model = GenerationRequest
        fields = [
            "id", "production", "shot", "requester", "engine", "engine_version", "prompt", "parameters", "seed", "intended_use",
            "media", "territories", "territory_exclusions", "languages", "release_start", "release_end", "talents", "status",
            "attempts", "failure", "decision", "inputs", "decisions", "sign_offs", "output", "created_at", "updated_at",
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


class CheckOut(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["approved", "refused", "needs_clearance"])
    as_of_seq = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.DictField())
