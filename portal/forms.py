"""Forms of the portal, made from the API's own input serializers: the same parsing, the same
rules, and the same actionable messages, shown next to the field they name."""

import datetime
import math
import re

from rest_framework import serializers

from generation.engines import get_engine
from rightsledger import input_policy as parse
from rightsledger import vocab, words
from rightsledger.api import serializers as rs
from rightsledger.api.errors import error_items

# The vocabulary a field takes its values from, by field name (and serializer where it differs).
CHOICES = {
    "uses": vocab.GRANT_USES,
    "media": vocab.MEDIA,
    "modalities": vocab.MODALITIES,
    "permitted_uses": vocab.GENERATION_USES,
    "prohibited_uses": vocab.GENERATION_USES,
    "grantor_role": vocab.GRANTOR_ROLES,
    "representation": vocab.REPRESENTATION,
    "replica_type": vocab.REPLICA_TYPES,
    "training_permission": vocab.TRAINING_PERMISSIONS,
    "exclusivity": vocab.EXCLUSIVITY,
    "subject_type": vocab.RESERVATION_SUBJECTS,
    "source": vocab.RESERVATION_SOURCES,
    "kind": vocab.ASSET_KINDS,
    "intended_use": vocab.GENERATION_USES,
}
CHOICES_BY_FORM = {("ReservationIn", "uses"): vocab.RESERVATION_USES}
LONG_TEXT = {
    "intended_use_description",
    "restrictions",
    "note",
    "reason",
    "prohibited_uses_note",
    "capture_business_reason",
    "comment",
    "prompt",
}
# Lists typed as text, comma-separated: codes from large vocabularies.
TYPED_LISTS = {
    "territories",
    "territory_exclusions",
    "languages",
    "permitted_shots",
    "permitted_scenes",
    "aliases",
}
HELP = {
    "territories": "ISO 3166-1 alpha-2 codes separated by commas (US, GB, FR), or WORLD.",
    "territory_exclusions": "With WORLD only: the codes it leaves out.",
    "languages": "ISO 639-1 codes separated by commas; empty means every language.",
    "contract_sha256": "The SHA-256 of the signed contract (64 hexadecimal characters).",
    "evidence_sha256": "The SHA-256 of the signed consent form.",
    "intended_use_description": (
        "Specific enough for the performer to know what is made (CA Labor Code §927, NY GOL §5-302)."
    ),
    "permitted_shots": "Shot codes separated by commas; empty means any shot of the production.",
    "compensation_reference": "Where the pay is set out (a deal memo, a contract clause); producers see only "
    "that it is recorded.",
    "residual_terms_reference": "Where the residuals for the replica are set out; producers see only that it "
    "is recorded.",
    "capture_business_reason": "For a scan or likeness capture: why this production needs it, in a sentence.",
}


def _label(name: str) -> str:
    return name.replace("_", " ").replace("sha256", "SHA-256").capitalize()


def render_fields(serializer: serializers.Serializer, values: dict, errors: dict) -> list[dict]:
    """Return one dict per field, with what its template needs: widget, label, value, options, errors."""
    out = []
    form = type(serializer).__name__
    for name, field in serializer.fields.items():
        spec = {
            "name": name,
            "label": _label(name),
            "required": field.required,
            "errors": errors.get(name, []),
            "help": HELP.get(name, field.help_text or ""),
            "value": values.get(name, ""),
        }
        choices = CHOICES_BY_FORM.get((form, name), CHOICES.get(name))
        if isinstance(field, serializers.BooleanField):
            spec["widget"] = "checkbox"
            spec["value"] = values.get(name) in (True, "on", "true", "1")
        elif isinstance(field, serializers.DateField):
            spec["widget"] = "date"
        elif isinstance(field, serializers.ManyRelatedField):
            spec.update(
                widget="checkboxes",
                options=[(str(o.pk), str(o)) for o in field.child_relation.get_queryset()],
                value=[str(v) for v in _as_list(values.get(name))],
            )
        elif isinstance(field, serializers.RelatedField):
            spec.update(
                widget="select",
                options=[(str(o.pk), str(o)) for o in field.get_queryset()],
                value=str(values.get(name) or ""),
            )
        elif isinstance(field, serializers.ListField) and choices and name not in TYPED_LISTS:
            spec.update(
                widget="checkboxes",
                options=words.options(choices),
                value=_as_list(values.get(name)),
            )
        elif isinstance(field, serializers.ListField):
            spec.update(widget="text", value=", ".join(_as_list(values.get(name))))
        elif choices:
            spec.update(widget="select", options=words.options(choices))
        else:
            spec["widget"] = "textarea" if name in LONG_TEXT else "text"
        out.append(spec)
    return out


# How the record form takes a record's document: uploaded (the default), or only its SHA-256 typed,
# for a document that must not leave the studio's legal team.
DOCUMENT_MODES = ("upload", "hash")


def document_part(parts, values: dict, errors: dict, *, posted=None, current=None) -> dict | None:
    """Return what the record form's document part shows (None for a kind with no document): its
    words, whether the document is uploaded or stays with the legal team (the mode posted; else
    upload, unless an amended record's document was never uploaded), the SHA-256 typed, the
    current document (amend), the file chosen before a refusal (a browser does not keep it), and
    the errors of the file and of the SHA-256 together, in the service's words."""
    if parts.document is None:
        return None
    field = parts.model.document_field
    typed = values.get(field) or ""
    mode = (posted.POST.get("document_mode") if posted is not None else "") or ""
    if mode not in DOCUMENT_MODES:
        mode = "hash" if typed and current is None else "upload"
    chosen = posted.FILES.get("document") if posted is not None else None
    return {
        "label": parts.document.label,
        "asks": parts.document.asks,
        "field": field,
        "typed": typed,
        "mode": mode,
        "current": current,
        "chosen": chosen.name if chosen is not None and errors else "",
        "errors": errors.get("document", []) + errors.get(field, []),
    }


def _as_list(value) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def form_data(serializer_class, post, *, only=None) -> dict:
    """Return what a posted form says, shaped as the serializer's JSON input: lists from repeated
    fields or comma-separated text, booleans from checkboxes, empty optional fields left out."""
    data = {}
    for name, field in serializer_class().fields.items():
        if only is not None and name not in only:
            continue
        if isinstance(field, (serializers.ListField, serializers.ManyRelatedField)):
            values = [v for v in post.getlist(name) if v.strip()]
            if name in TYPED_LISTS or len(values) == 1 and "," in values[0]:
                values = [part.strip() for v in values for part in v.split(",") if part.strip()]
            if values or field.required:
                data[name] = values
        elif isinstance(field, serializers.BooleanField):
            data[name] = post.get(name) in ("on", "true", "1")
        else:
            value = post.get(name, "")
            if value != "" or field.required:
                data[name] = value
    return data


def field_errors(exc) -> tuple[dict, list[str]]:
    """Return an exception's errors as ({field: [messages]}, [messages about no one field])."""
    by_field, general = {}, []
    for field, _, message in error_items(exc):
        top = (field or "").split(".")[0]
        if top:
            by_field.setdefault(top, []).append(message)
        else:
            general.append(message)
    return by_field, general


def error_message(exc) -> str:
    """Return an exception's messages as one sentence, for a form with no field to put them by."""
    return "; ".join(m for _, _, m in error_items(exc)) or str(exc)


# --- The generation request form -------------------------------------------------------------------


class RequestFields(rs.StrictSerializer):
    """The request form's plain fields, as the API's RequestIn names them."""

    shot = serializers.CharField()
    engine = serializers.CharField()
    prompt = serializers.CharField(required=False)
    seed = serializers.CharField()
    intended_use = serializers.CharField()
    media = rs.strings()
    territories = rs.strings()
    languages = rs.strings(required=False)
    release_start = serializers.CharField()
    release_end = serializers.CharField()


def request_form_data(request) -> dict:
    """Return the posted request form, shaped as the API's input: inputs from the ticked assets and
    the uploaded files, each with its role, and the engine's parameters from their fields."""
    post = request.POST
    inputs = [
        {"asset": parse.whole_number(a, field="inputs", minimum=1), "role": post.get(f"role_{a}", "plate")}
        for a in post.getlist("asset")
    ]
    for name in sorted(request.FILES):
        if name.startswith("upload_"):
            inputs.append({"upload": name, "role": post.get(f"{name}_role", "reference")})
    data = form_data(RequestFields, post)
    data["inputs"] = inputs
    data["parameters"] = engine_parameters(get_engine(post.get("engine", "")), post)
    data["run_when_approved"] = post.get("run_when_approved") == "on"
    data["synthetic_justification"] = post.get("synthetic_justification", "")
    data["advertising_disclosure_acknowledged"] = post.get("advertising_disclosure_acknowledged") == "on"
    return data


PARAM_PREFIX = "param_"
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?", re.ASCII)  # as a person types one


def engine_parameters(engine, post) -> dict:
    """Return the engine's parameters from their fields (param_<name>), as numbers: a field left
    empty takes the engine's default. Text that is no number is passed on as it is, so that the
    service's check names it beside its field."""
    params = {}
    for key in getattr(engine, "params", {}) or {}:
        raw = (post.get(PARAM_PREFIX + key) or "").strip()
        if not raw:
            continue
        text = raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw  # 0,4 is 0.4
        number = float(text) if NUMBER.fullmatch(text) else math.nan
        if not math.isfinite(number):
            params[key] = raw[:20]  # enough for the service to say that it is no number
        else:
            params[key] = int(number) if number.is_integer() and "." not in text else number
    return params


def engine_fields(engine, values: dict, errors: dict) -> list[dict]:
    """Return the engine's parameters as number fields (from the engine's own schema): name,
    label in words, range, step, value (as posted, else the default), help and errors."""
    fields = []
    for key, spec in (getattr(engine, "params", {}) or {}).items():
        posted = values.get(PARAM_PREFIX + key)
        fields.append(
            {
                "name": PARAM_PREFIX + key,
                "label": spec.words(key),
                "min": f"{spec.low:g}",
                "max": f"{spec.high:g}",
                "step": f"{spec.step:g}",
                "value": posted if posted is not None else f"{spec.default:g}",
                "default": f"{spec.default:g}",
                "help": spec.help[:1].upper() + spec.help[1:] if spec.help else "",
                "errors": errors.get(key, []),
            }
        )
    return fields


def request_field_errors(exc) -> tuple[dict, dict, list[str]]:
    """Return a refused request's errors as ({field: [messages]}, {parameter: [messages]},
    [messages about no one field]): a parameter's own errors go beside its field."""
    by_field, by_param, general = {}, {}, []
    for field, _, message in error_items(exc):
        top, _, rest = (field or "").partition(".")
        if top == "parameters" and rest:
            by_param.setdefault(rest, []).append(message)
        elif top:
            by_field.setdefault(top, []).append(message)
        else:
            general.append(message)
    return by_field, by_param, general


# Codes whose words are not their letters with spaces.
def code_words(code: str, vocabulary: str | None = None) -> str:
    """Return a code as a form's label says it: "set_extension" is "Set extension" (rightsledger.words)."""
    return words.capfirst(words.label(code, vocabulary))


def request_form_initial() -> dict:
    """Return a new request form's values: theatrical, worldwide, released for a year from today,
    run as soon as it is approved."""
    today = datetime.date.today()
    return {
        "media": ["theatrical"],
        "territories": "WORLD",
        "seed": 1,
        "run_when_approved": True,
        "release_start": today.isoformat(),
        "release_end": (today + datetime.timedelta(days=365)).isoformat(),
    }


def posted_date(value) -> datetime.date | None:
    """Return a posted day ("2026-01-05", as a date field sends it), or None for none or a day that
    does not exist: the service then says, in its words, what to give."""
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None
