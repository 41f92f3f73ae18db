"""The producer's pages: shots, the request form and its preview, a request and its output's credentials."""

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from generation import selectors as gen_selectors
from generation.engines import all_engines
from generation.models import INPUT_ROLES
from provenance.models import FaceSighting
from provenance.selectors import verify
from rightsledger import access, vocab
from rightsledger import selectors as rl_selectors

from ..forms import code_words
from ..verification import credentials_words
from .decisions import output_proof_link, word_decisions

# A signed output's bytes never change (it is stored by its SHA-256), nor do the ledger entries its
# manifest names; what can change is the trust list it is checked against. The key names the
# configured trust anchors, and an entry lasts a day, so that a root added without a change of
# settings (a new development identity) is seen within a day.
CREDENTIALS_CACHE_SECONDS = 24 * 60 * 60


def shots_page(user, production) -> dict:
    """Return a production's shots with their generations, and what the user may do there."""
    return {
        "production": production,
        "shots": gen_selectors.shots_with_generations(user, production.pk),
        "may_request": access.holds(user, production, access.SHOT_ROLES),
        "may_import": access.holds(user, production, access.CLEARANCE_ROLES),
        "may_export": access.holds(user, production, access.EXPORT_ROLES),
    }


def request_form_choices(user, production, engine_name: str = "") -> dict:
    """Return what the request form offers: the production's shots, the engines (the one named,
    else the first, chosen) and the intended uses the chosen engine supports, the assets the user
    may use as inputs (never a generated output), the input roles and media."""
    engines = sorted(all_engines().values(), key=lambda e: e.name)
    engine = next((e for e in engines if e.name == engine_name), engines[0] if engines else None)
    return {
        "production": production,
        "shots": production.shots.order_by("code"),
        "engines": [
            {"name": e.name, "label": f"{code_words(e.name, 'engines')} (version {e.version})"}
            for e in engines
        ],
        "engine": engine,
        "assets": rl_selectors.assets_for(user)
        .filter(production=production)
        .exclude(origin="generated")
        .select_related("thumbnail")
        .order_by("id"),
        "roles": [(r, code_words(r, "input_roles")) for r in INPUT_ROLES],
        "uses": [
            (u, code_words(u, "generation_uses"))
            for u in vocab.GENERATION_USES
            if engine and u in engine.uses
        ],
        "media": [(m, code_words(m, "media")) for m in vocab.MEDIA],
    }


def request_preview_page(outcome) -> dict:
    """Return the live preview of a request's decision: the gate's outcome, its reasons, and the
    guilds' unresolved flags on the consents it relies on."""
    reasons = outcome.to_json()
    return {
        "outcome": outcome.outcome,
        "reasons": reasons,
        "flags": gen_selectors.open_flags_relied_on(reasons),
    }


def request_settings(req) -> list[tuple[str, str]]:
    """Return a request's engine parameters as (label, value) in words, in the engine's order,
    with the defaults it ran with for those not given."""
    engine = all_engines().get(req.engine)
    params = getattr(engine, "params", None) or {}
    given = req.parameters or {}
    rows = [
        (spec.words(key), f"{given[key]:g}" if key in given else f"{spec.default:g} (the default)")
        for key, spec in params.items()
        if isinstance(given.get(key, 0), (int, float))
    ]
    rows += [(code_words(k), str(v)) for k, v in given.items() if k not in params]  # an HTTP engine's own
    return rows


def request_page(user, req) -> dict:
    """Return a generation request's page: its decisions (the latest, and what was revoked since),
    inputs, sign-offs, output, and a succeeded output's Content Credentials (from the cache)."""
    decisions = list(req.decisions.all())
    word_decisions(decisions)
    sign_offs = list(req.sign_offs.select_related("approver"))
    output = getattr(req, "output", None) if req.status in ("succeeded", "held", "refused") else None
    signed = output is not None and req.status == "succeeded"
    sign_offs = list(req.sign_offs.select_related("approver"))
    latest = decisions[-1] if decisions else None
    # A decision that needed a sign-off reads as what the sign-off made of it.
    signed_off = next((s for s in reversed(sign_offs) if latest and s.decision_id == latest.pk), None)
    return {
        "req": req,
        "settings": request_settings(req),
        "engine_label": code_words(req.engine, "engines"),
        "use_label": code_words(req.intended_use, "generation_uses"),
        "decision_status": (
            ("approved" if signed_off.approved else "refused")
            if signed_off
            else getattr(latest, "outcome", "")
        ),
        "signed_off": signed_off,
        "revoked": gen_selectors.revoked_since(decisions[-1]) if decisions else [],
        "flags": gen_selectors.open_flags_relied_on(decisions[-1].reasons) if decisions else [],
        "decision": decisions[-1] if decisions else None,
        "decisions": decisions,
        "inputs": req.inputs.select_related("asset__thumbnail"),
        "sign_offs": sign_offs,
        "people": rl_selectors.people_named([req.requester, *(s.approver for s in sign_offs)]),
        "output": output,
        "faces": output_faces(output.asset_id) if output is not None else [],
        "disclosure": output.disclosures.order_by("-id").first() if output is not None else None,
        "credentials": credentials_words(output_credentials(output)) if signed else None,
        "proof_file": output_proof_link(req) if signed else None,
        "may_clear": access.holds(user, req.production_id, access.CLEARANCE_ROLES),
        "may_queue": access.holds(user, req.production_id, access.SHOT_ROLES),
        "live": req.status in ("queued", "running"),
    }


@dataclass(frozen=True)
class FaceRow:
    """A face the likeness check found in an output, in words: where, how large, and whose."""

    where: str
    size: int
    who: str
    talent_id: int | None
    why: str


def output_faces(asset_id: int) -> list[FaceRow]:
    """Return the faces found in an output (one query), in frame order, each said in words."""
    rows = []
    threshold = settings.FACE_MATCH_DISTANCE
    sightings = FaceSighting.objects.filter(asset_id=asset_id).select_related("talent")
    for s in sightings.order_by("frame_index", "id"):
        where = "In the picture" if s.seconds is None else f"{s.seconds:g} seconds into the clip"
        if s.skipped:
            who, why = "Not compared", s.skipped
        elif s.talent is not None:
            who = s.talent.professional_name or s.talent.legal_name or f"Performer {s.talent_id} (erased)"
            why = (
                f"At a distance of {s.distance:.2f} from their reference photo ({threshold:.2f} or less is "
                "the same person)."
            )
        else:
            who = "No registered performer"
            why = (
                f"The nearest performer's reference photo is at {s.distance:.2f} (over {threshold:.2f})."
                if s.distance is not None
                else "No performer of the studio has a reference photo to compare with."
            )
        rows.append(FaceRow(where, s.size, who, s.talent_id, why))
    return rows


def output_credentials(output) -> dict:
    """Return the verification of a signed output's Content Credentials (provenance's `verify`),
    from the cache under the output's content SHA-256. Only on a miss is the file read, through
    the storage, and verified: a page that shows it reads no file once it has been shown."""
    asset = output.asset
    key = _credentials_key(asset.sha256)
    found = cache.get(key)
    if found is None:
        # verify() takes the file's bytes (the C2PA reader is handed them as one stream).
        with asset.file.open("rb") as fh:
            found = verify(fh.read(), asset.media_type)
        cache.set(key, found, CREDENTIALS_CACHE_SECONDS)
    return found


def _credentials_key(sha256: str) -> str:
    trust = json.dumps(
        [
            list(settings.C2PA_TRUST_ANCHORS),
            bool(settings.C2PA_TRUST_DEVELOPMENT_ROOTS),
            settings.C2PA_TRUST_LIST,
            settings.C2PA_TSA_TRUST_LIST,
        ]
    )
    return f"portal:credentials:{sha256}:{hashlib.sha256(trust.encode()).hexdigest()[:16]}"


# --- Clearance: assets and records ---------------------------------------------------------------
