"""The checks of a request's values before the gate decides: each value, the engine and its
parameters, and each input identified (a registered asset, or an upload by hash or fingerprint)."""

from django.conf import settings
from django.core.exceptions import ValidationError

from rightsledger import input_policy, vocab
from rightsledger import services as rs
from rightsledger import validation as v
from rightsledger.errors import Errors
from rightsledger.models import Asset

from ..engines import Engine, get_engine
from ..models import INPUT_ROLES
from ..values import CheckedRequest, RequestValues, ResolvedInput

MAX_INPUTS = 64
PROMPT_LIMIT = 4000


def checked_request(
    *,
    production,
    shot,
    engine,
    engine_version=None,
    prompt="",
    parameters=None,
    seed=0,
    intended_use,
    media,
    territories,
    territory_exclusions=None,
    languages=None,
    release_start,
    release_end,
    inputs,
    synthetic_justification="",
    advertising_disclosure_acknowledged=False,
    keep_unregistered=True,
) -> CheckedRequest:
    """Check a request's values; return them cleaned, with the inputs resolved. Raises ValidationError.
    Its keywords are the request's fields, as request_check and request_submit take them."""
    errors = Errors()
    if parameters is None:
        parameters = {}
    elif not isinstance(parameters, dict):
        errors.add(
            "parameters",
            "parameters_not_an_object",
            'Give the engine\'s parameters as an object of names and numbers, such as {"density": 0.4}; '
            "see /api/engines/ for each engine's parameters.",
        )
        parameters = {}
    eng = _engine_checked(errors, engine, engine_version, parameters, intended_use)
    v.choice(errors, "intended_use", intended_use, vocab.GENERATION_USES)
    if shot is None or shot.production_id != production.pk:
        errors.add("shot", "shot_other_production", "The shot must belong to the request's production.")
    media = v.listed(errors, "media", media, vocab.MEDIA, what="medium")
    territories, territory_exclusions = v.territories(errors, territories, territory_exclusions)
    languages = v.languages(errors, languages)
    if release_start and release_end and release_end < release_start:
        errors.add(
            "release_end",
            "window_end_before_start",
            f"The release window ends ({release_end}) before it starts ({release_start}).",
        )
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**48:
        errors.add("seed", "seed_invalid", "Give the seed as a whole number from 0 to 2^48 - 1.")
    _prompt_checked(errors, prompt)
    synthetic_justification = v.text(errors, "synthetic_justification", synthetic_justification, limit=2000)
    if not isinstance(advertising_disclosure_acknowledged, bool):
        errors.add(
            "advertising_disclosure_acknowledged",
            "invalid",
            "Give true or false: whether the advertisement will disclose its synthetic performer.",
        )
    resolved = _inputs_resolved(errors, production, inputs, keep_unregistered=keep_unregistered)
    if eng is not None and resolved:
        for problem in eng.check_inputs([r.role for r in resolved]):
            errors.add("inputs", "inputs_missing_role", problem)
    errors.raise_if_any()
    values = RequestValues(
        production=production,
        shot=shot,
        engine=engine,
        engine_version=eng.version,
        prompt=prompt or "",
        parameters=parameters,
        seed=seed,
        intended_use=intended_use,
        media=media,
        territories=territories,
        territory_exclusions=territory_exclusions,
        languages=languages,
        release_start=release_start,
        release_end=release_end,
        synthetic_justification=synthetic_justification,
        advertising_disclosure_acknowledged=advertising_disclosure_acknowledged is True,
    )
    return CheckedRequest(values, tuple(resolved))


def _engine_checked(
    errors: Errors, engine: str, engine_version, parameters: dict, intended_use
) -> Engine | None:
    """Return the engine named, having checked its version, the parameters and the use against it."""
    eng = get_engine(engine)
    if eng is None:
        errors.add(
            "engine",
            "engine_unknown",
            f"No engine named {engine!r}; see /api/engines/ for the engines and their versions.",
        )
        return None
    if engine_version and engine_version != eng.version:
        errors.add(
            "engine_version",
            "engine_version_unknown",
            f"{engine} is at version {eng.version}, not {engine_version}.",
        )
    for key, problem in eng.param_problems(parameters):
        errors.add(f"parameters.{key}" if key else "parameters", "parameter_invalid", problem)
    if intended_use in vocab.GENERATION_USES and intended_use not in eng.uses:
        errors.add(
            "intended_use",
            "engine_use_mismatch",
            f"{engine} is made for {', '.join(eng.uses)}, not {intended_use.replace('_', ' ')}.",
        )
    return eng


def _prompt_checked(errors: Errors, prompt) -> None:
    if len(prompt or "") > PROMPT_LIMIT:
        errors.add("prompt", "prompt_too_long", "The prompt is limited to 4,000 characters.")
    elif problem := input_policy.text_problem(
        "prompt", input_policy.normalized(prompt or "", field="prompt"), limit=PROMPT_LIMIT
    ):
        errors.add("prompt", problem.code, problem.message)


def _inputs_resolved(
    errors: Errors, production, inputs: list[dict], *, keep_unregistered: bool = True
) -> list[ResolvedInput]:
    """Identify each input: a registered asset, or an upload matched by its SHA-256."""
    if not inputs:
        errors.add(
            "inputs",
            "required",
            "Give at least one input: a registered asset or an uploaded file, with its role.",
        )
        return []
    if len(inputs) > MAX_INPUTS:
        errors.add("inputs", "too_many", f"A request takes at most {MAX_INPUTS} inputs.")
        return []
    resolved = []
    for n, item in enumerate(inputs, start=1):
        role, asset, upload = item.get("role"), item.get("asset"), item.get("upload")
        modality = item.get("modality") or "face"
        frames = item.get("frames")
        if role not in INPUT_ROLES:
            errors.add(
                "inputs", "role_unknown", f"Input {n}: role {role!r} is not one of {', '.join(INPUT_ROLES)}."
            )
        if modality not in vocab.MODALITIES:
            errors.add(
                "inputs",
                "modality_unknown",
                f"Input {n}: modality {modality!r} is not one of {', '.join(vocab.MODALITIES)}.",
            )
        if (asset is None) == (upload is None):
            errors.add(
                "inputs",
                "asset_or_upload",
                f"Input {n}: give either a registered asset or an uploaded file, not both or neither.",
            )
        elif asset is not None:
            if v.assets_in_production(errors, "inputs", [asset], production.pk, label=f"Input {n}: ") and (
                frames is None or _frames_fit(errors, n, asset, frames)
            ):
                resolved.append(
                    ResolvedInput(
                        position=n,
                        role=role,
                        asset=asset,
                        sha256=asset.sha256,
                        match="registered",
                        modality=modality,
                        frames=tuple(frames) if frames is not None else None,
                    )
                )
        elif frames is not None:
            errors.add(
                "inputs",
                "frames_need_registered_clip",
                f"Input {n}: a frame range is given for a registered clip; register the clip first.",
            )
        elif found := _upload_resolved(errors, production, n, upload, keep_unregistered):
            resolved.append(ResolvedInput(position=n, role=role, modality=modality, **found))
    return resolved


def _upload_resolved(errors: Errors, production, n: int, upload, keep_unregistered: bool) -> dict | None:
    """Return what identifies an uploaded input: the asset it copies (by SHA-256, or by
    fingerprint where CLIP_WEIGHTS is set), or its content to keep; None if it is refused."""
    try:
        info, data = rs.inspect_upload(upload, kind="generated")
    except ValidationError as exc:
        for message in exc.messages:
            errors.add(
                "inputs", "upload_invalid", f"Input {n} ({getattr(upload, 'name', 'upload')}): {message}"
            )
        return None
    match = Asset.objects.filter(production=production, sha256=info.sha256).first()
    method, score = ("sha256", None) if match else ("unregistered", None)
    if match is None and settings.CLIP_WEIGHTS and info.media_type.startswith("image/"):
        # A re-encoded, resized or cropped copy of a registered asset carries its rights.
        # Defers faiss and open_clip until an upload needs them.
        from provenance import fingerprint, similarity

        found = similarity.match(fingerprint.fingerprint(data), Asset.objects.filter(production=production))
        if found is not None:
            match, method, score = Asset.objects.get(pk=found.asset_id), "fingerprint", found.cosine
    content = data if match is None and keep_unregistered else None  # stored once recorded
    return {"asset": match, "sha256": info.sha256, "match": method, "match_score": score, "content": content}


def _frames_fit(errors: Errors, n: int, asset, frames) -> bool:
    """A frame range names frames of a registered clip, first before last."""
    first, last = frames
    if not asset.media_type.startswith("video/") or asset.frame_count is None:
        errors.add(
            "inputs",
            "frames_not_a_clip",
            f"Input {n}: asset A-{asset.pk} is a still ({asset.media_type}); a frame range is for a clip.",
        )
    elif first > last:
        errors.add(
            "inputs",
            "frames_reversed",
            f"Input {n}: the frame range starts ({first}) after it ends ({last}).",
        )
    elif last >= asset.frame_count:
        errors.add(
            "inputs",
            "frames_out_of_range",
            f"Input {n}: asset A-{asset.pk} has {asset.frame_count} frames "
            f"(0 to {asset.frame_count - 1}); frame {last} is not in it.",
        )
    else:
        return True
    return False
