"""Reads of the portal: what each page shows, composed from the apps' own selectors (the same ones
the API calls). Each returns a page's template context for a user whose access the view has
already checked; none reads a stored file, except the verification of a signed output on a cache
miss (`output_credentials`)."""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.urls import reverse

from generation import selectors as gen_selectors
from generation.engines import all_engines
from generation.models import INPUT_ROLES
from provenance import lineage
from provenance.models import AssetCredential, PerceptualHash
from provenance.selectors import verify
from provenance.similarity import near_by_phash
from rightsledger import access, vocab, words
from rightsledger import selectors as rl_selectors
from rightsledger.api.records import RECORDS
from rightsledger.ledger import checkpoints, cosigning, prooffiles
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import Guild, Thumbnail
from rightsledger.models.notices import FLAG_OUTCOMES
from rightsledger.thumbnails import can_picture

from . import filters, recordwords, registers
from .forms import code_words
from .relied import relied_records
from .verification import credentials_words

# A signed output's bytes never change (it is stored by its SHA-256), nor do the ledger entries its
# manifest names; what can change is the trust list it is checked against. The key names the
# configured trust anchors, and an entry lasts a day, so that a root added without a change of
# settings (a new development identity) is seen within a day.
CREDENTIALS_CACHE_SECONDS = 24 * 60 * 60
FINGERPRINT_MATCHES_MAX = 20


@dataclass(frozen=True)
class ProofFileLink:
    """Where a record's proof file (C2SP tlog-proof) is downloaded, and the name it is saved as
    (the one its offline check names)."""

    url: str
    name: str


def record_proof_link(kind: str, record) -> ProofFileLink | None:
    """Return the proof file of a version of a record whose kind guilds check offline (a
    consent), or None for another kind."""
    if not RECORDS[kind].proofs:
        return None
    return ProofFileLink(reverse(f"{kind}-proof-file", args=[record.pk]), prooffiles.record_file_name(record))


def output_proof_link(req) -> ProofFileLink:
    """Return the proof file of a generation request's output: the entry that recorded it."""
    url = reverse("generation-request-output-proof-file", args=[req.pk])
    return ProofFileLink(url, prooffiles.output_file_name(req.pk))


def reasons_in_words(reasons_lists) -> tuple[list[list[dict]], dict]:
    """Return decisions' reasons as a page shows them, and the records they name: each reason's
    message and remedy in words (rightsledger.words.reword), each record relied on with its
    RecordRef (the number it keeps for life, and whether it was amended or revoked since). One
    query per kind of record, however many reasons."""
    lists = [list(reasons or ()) for reasons in reasons_lists]
    pairs = {(x["type"], x["id"]) for reasons in lists for r in reasons for x in r.get("records", ())}
    refs = rl_selectors.record_refs(pairs)
    numbers = {(ref.kind, ref.id): ref.number for ref in refs.values()}
    worded = [
        [
            {
                **r,
                "message": words.reword(r.get("message", ""), numbers),
                "remedy": words.reword(r.get("remedy") or "", numbers),
                "records": [{**x, "ref": refs.get(f"{x['type']}:{x['id']}")} for x in r.get("records", ())],
            }
            for r in reasons
        ]
        for reasons in lists
    ]
    return worded, refs


def word_decisions(decisions) -> dict:
    """Set `worded` on each decision: its reasons in words (reasons_in_words). Return the refs."""
    worded, refs = reasons_in_words([d.reasons for d in decisions])
    for d, reasons in zip(decisions, worded, strict=True):
        d.worded = reasons
    return refs


# --- Start pages ---------------------------------------------------------------------------------


def start_page(user) -> tuple[str, dict] | None:
    """Return the URL name and arguments of a signed-in user's start page: clearance its queue, a
    producer their first production's shots, a guild its members' consents, any other role the
    productions; None for a user who holds no role."""
    roles = access.roles_of(user)
    held = set().union(*roles.productions.values()) if roles.productions else set()
    if roles.superuser or held & access.CLEARANCE_ROLES:
        return "portal:clearance", {}
    if vocab.ROLE_PRODUCER in held:
        producing = sorted(pid for pid, r in roles.productions.items() if vocab.ROLE_PRODUCER in r)
        return "portal:shots", {"production": producing[0]}
    if roles.guilds:
        return "portal:guild_consents", {}
    if held:
        return "portal:productions", {}
    return None


def clearance_page(user) -> dict:
    """Return clearance's start page: the sign-off queue, the guilds' open flags, terms ending soon,
    notifications."""
    queue = list(gen_selectors.sign_off_queue(user))
    return {
        "queue": queue,
        "people": rl_selectors.people_named([r.requester for r in queue]),
        "expiring": rl_selectors.expiring_for(user, within_days=30),
        "notifications": rl_selectors.notifications_for(user)[:20],
        "flags": list(rl_selectors.open_flags_for(user)),
        "productions": rl_selectors.productions_for(user),
    }


# --- Producer ------------------------------------------------------------------------------------


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
            {"name": e.name, "label": f"{code_words(e.name)} (version {e.version})"} for e in engines
        ],
        "engine": engine,
        "assets": rl_selectors.assets_for(user)
        .filter(production=production)
        .exclude(origin="generated")
        .select_related("thumbnail")
        .order_by("id"),
        "roles": [(r, code_words(r)) for r in INPUT_ROLES],
        "uses": [(u, code_words(u)) for u in vocab.GENERATION_USES if engine and u in engine.uses],
        "media": [(m, code_words(m)) for m in vocab.MEDIA],
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
        "engine_label": code_words(req.engine),
        "use_label": code_words(req.intended_use),
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
        "credentials": credentials_words(output_credentials(output)) if signed else None,
        "proof_file": output_proof_link(req) if signed else None,
        "may_clear": access.holds(user, req.production_id, access.CLEARANCE_ROLES),
        "may_queue": access.holds(user, req.production_id, access.SHOT_ROLES),
        "live": req.status in ("queued", "running"),
    }


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
    trust = json.dumps([list(settings.C2PA_TRUST_ANCHORS), bool(settings.C2PA_TRUST_DEVELOPMENT_ROOTS)])
    return f"portal:credentials:{sha256}:{hashlib.sha256(trust.encode()).hexdigest()[:16]}"


# --- Clearance: assets and records ---------------------------------------------------------------


def asset_list(user, production):
    """Return the production's assets the user may see, newest first, with owner, performer and
    thumbnail, each marked withheld where it is an output held for clearance (no picture shown)."""
    return (
        rl_selectors.assets_for(user)
        .filter(production=production)
        .select_related("owner", "talent", "thumbnail")
        .annotate(withheld=Exists(gen_selectors.withheld_output_assets().filter(asset_id=OuterRef("pk"))))
        .order_by("-id")
    )


@dataclass(frozen=True)
class AssetPicture:
    """What an asset's page shows for its picture: ready (url and alt), making (a placeholder
    that the page polls), none (a sentence why), or withheld (an output held for clearance)."""

    state: str
    url: str = ""
    alt: str = ""
    width: int | None = None
    height: int | None = None
    message: str = ""


def picture_alt(asset) -> str:
    """The words that stand for an asset's picture: what it is a picture of."""
    name = asset.title or asset.original_filename or f"asset A-{asset.pk}"
    return f"A frame of the clip {name}" if asset.frame_count else f"The picture {name}"


def asset_thumbnail(asset):
    """Return the asset's thumbnail if one was made with a picture; None otherwise."""
    thumbnail = getattr(asset, "thumbnail", None) if _has_thumbnail(asset) else None
    return thumbnail if thumbnail is not None and thumbnail.file else None


def _has_thumbnail(asset) -> bool:
    try:
        asset.thumbnail  # noqa: B018  (a reverse one-to-one: raises where there is none)
    except Thumbnail.DoesNotExist:
        return False
    return True


def asset_picture(user, asset) -> AssetPicture:
    """Return the asset page's picture: its thumbnail once made, a placeholder while it is being
    made, a sentence where there is none, or that it is withheld for clearance."""
    if gen_selectors.withheld_output_assets().filter(asset_id=asset.pk).exists():
        return AssetPicture("withheld", message="This output is held for clearance: its picture is withheld.")
    thumbnail = asset_thumbnail(asset)
    if thumbnail is not None:
        url = reverse("portal:asset_thumbnail", args=[asset.pk])
        return AssetPicture("ready", url, picture_alt(asset), thumbnail.width, thumbnail.height)
    if _has_thumbnail(asset):
        return AssetPicture("none", message=f"No preview: {asset.thumbnail.problem}")
    if not can_picture(asset.media_type):
        return AssetPicture("none", message="No preview: a file of this type has no picture.")
    return AssetPicture("making", message="Preview being made. It appears here in a moment.")


def asset_page(user, asset) -> dict:
    """Return an asset's page: the current grants, consents and reservations that cover it, its
    Content Credentials as read at ingest, its near copies and its lineage."""
    current = {"replaced_by__isnull": True}
    return {
        "asset": asset,
        "grants": rl_selectors.grants_for(user).filter(assets=asset, **current),
        "consents": rl_selectors.consents_for(user).filter(talent_id=asset.talent_id, **current)
        if asset.talent_id
        else [],
        "reservations": rl_selectors.reservations_for(user).filter(asset=asset, **current),
        "picture": asset_picture(user, asset),
        "credential": AssetCredential.objects.filter(asset=asset).first(),
        "matches": fingerprint_matches(user, asset),
        "lineage": lineage.lineage_for(user, asset.pk),
    }


def fingerprint_matches(user, asset):
    """Return other assets the user may see within PHASH_MAX_DISTANCE of any of this one's pHashes."""
    mine = list(PerceptualHash.objects.filter(asset=asset).values_list("hash", flat=True))
    near = set().union(*near_by_phash(mine)) - {asset.pk} if mine else set()
    return rl_selectors.assets_for(user).filter(pk__in=near).order_by("id")[:FINGERPRINT_MATCHES_MAX]


def revocation_impact(user, kind: str, record) -> dict | None:
    """Return what relied on a grant or consent, of what the user may read (None for a reservation)."""
    if kind not in ("grant", "consent"):
        return None
    return gen_selectors.revocation_impact(kind, record.chain, user=user)


def can_change_record(user, production) -> bool:
    """Return whether the user may amend or revoke a record of the production (of no production: a
    performer's, which whoever may register talent changes)."""
    if production is None:
        return access.can_register_talent(user)
    return access.holds(user, production, access.CLEARANCE_ROLES)


def record_page(user, kind: str, record, *, versions, production) -> dict:
    """Return a record's page: its versions (a queryset of the kind the user may see), ledger
    entries, fields in words, what relied on it, what became of it since this version, the
    people who wrote it, and whether the user may change it."""
    versions = list(
        rl_selectors.with_number(versions.filter(chain=record.chain))
        .select_related("created_by")
        .order_by("version")
    )
    entries = list(
        rl_selectors.ledger_entries_for(user).filter(record_type=kind, chain=record.chain).order_by("seq")
    )
    newer = next((v for v in versions if v.replaces_id == record.pk), None)
    actors = {int(e.actor.split(":", 1)[1]) for e in entries if e.actor.startswith("user:")}
    users = [v.created_by for v in versions] + list(get_user_model().objects.filter(pk__in=actors))
    people = rl_selectors.people_named(users)
    for e in entries:
        e.meaning = _entry_meaning(e.entry_type)
        e.by = people.get(int(e.actor.split(":", 1)[1])) if e.actor.startswith("user:") else e.actor
    flags = list(rl_selectors.flags_on_chain(record)) if kind == "consent" else None
    return {
        "flags": flags,
        "open_flags": [fl for fl in flags or () if fl.unresolved],
        "outcomes": FLAG_OUTCOMES,
        "may_answer": production is not None and access.holds(user, production, access.CLEARANCE_ROLES),
        "kind": kind,
        "record": record,
        "versions": versions,
        "latest": versions[-1] if versions else record,
        "superseded_by": newer,
        "entries": entries,
        "people": people,
        "impact": revocation_impact(user, kind, record),
        "rows": recordwords.record_rows(record, type(record).record_fields()),
        "hashes": [
            (recordwords.field_label(f), getattr(record, f))
            for f in recordwords.HASH_FIELDS
            if hasattr(record, f)
        ],
        "assets": record.assets.all() if kind == "grant" else None,
        "proof_file": record_proof_link(kind, record),
        "document": rl_selectors.record_document(record),
        "document_words": RECORDS[kind].document,
        "current": newer is None and record.status == "active",
        "may_change": can_change_record(user, production),
    }


def _entry_meaning(entry_type: str) -> str:
    try:
        return EntryType(entry_type).meaning
    except ValueError:
        return entry_type


# --- Shot audit ----------------------------------------------------------------------------------


def shot_audit_page(shot) -> dict:
    """Return a shot's audit (every generation, decision and proof) and the latest checkpoint."""
    audit = gen_selectors.shot_audit(shot)
    refs = word_decisions([d for g in audit["generations"] for d in g["decisions"]])
    people = rl_selectors.people_named(
        [g["request"].requester for g in audit["generations"]]
        + [s.approver for g in audit["generations"] for s in g["sign_offs"]]
    )
    for g in audit["generations"]:
        g["refs"] = [refs.get(f"{kind}:{pk}") for kind, pk, _ in g["records"]]
    relied = relied_records({r for g in audit["generations"] for r in g["records"]})
    for g in audit["generations"]:
        g["relied"] = [relied[(k, i)] for k, i, _ in g["records"] if (k, i) in relied]
    return {
        "shot": shot,
        "audit": audit,
        "people": people,
        "checkpoint": checkpoints.latest_checkpoint(),
        "has_output": any(g["output"] for g in audit["generations"]),
    }


def shot_lineage(user, audit) -> tuple[list, list]:
    """Return the assets and edges of the lineage of a shot's outputs, as the user may see it."""
    found = [lineage.lineage_for(user, g["output"].asset_id) for g in audit["generations"] if g["output"]]
    assets = {a.pk: a for f in found if f for a in f.assets}
    edges = {e.pk: e for f in found if f for e in f.edges}
    return sorted(assets.values(), key=lambda a: a.pk), sorted(edges.values(), key=lambda e: e.pk)


def shot_prov_document(user, audit):
    """Return the lineage of a shot's outputs, as the user may see it, as one W3C PROV document."""
    return lineage.prov_document(*shot_lineage(user, audit))


# --- Guild representatives -----------------------------------------------------------------------


def guild_consent_list(user):
    """Return the current consent records the user may see, by performer."""
    current = rl_selectors.consents_for(user).filter(replaced_by__isnull=True)
    current = rl_selectors.with_flag_state(current, guilds=access.roles_of(user).guilds)
    return current.select_related("talent", "production").order_by("talent__legal_name", "id")


def guild_consent_register(user, params) -> dict:
    """Return the guild's list of its members' current consents as a register page (search,
    production, status and flag filters, sorting, pages); a flag counts if the user's guild raised it."""
    visible = rl_selectors.consents_for(user).select_related("talent", "production")
    rows = rl_selectors.with_flag_state(
        registers.numbered(registers.current(visible)), guilds=access.roles_of(user).guilds
    )
    page = registers.register_page(
        user,
        registers.REGISTERS["consents"],
        params,
        rows=rows,
        filterset=filters.GuildConsentFilter,
        productions=registers.production_choices_for(rows),
        flag_guilds=access.roles_of(user).guilds,
    )
    return {**page, "consents": page["records"]}


def guild_consent_page(user, consent) -> dict:
    """Return a consent record's page for a guild: its versions, ledger entries and the flags the
    user's guilds raised on it."""
    versions = list(rl_selectors.consents_for(user).filter(chain=consent.chain).order_by("version"))
    entries = rl_selectors.ledger_entries_for(user).filter(record_type="consent", chain=consent.chain)
    entries = list(entries.select_related("leaf").order_by("seq"))
    for e in entries:
        e.meaning = _entry_meaning(e.entry_type)
    newer = next((v for v in versions if v.replaces_id == consent.pk), None)
    return {
        "consent": consent,
        "versions": versions,
        "current": versions[-1],
        "superseded_on": newer.created_at if newer else None,
        "entries": entries,
        "proof_file": record_proof_link("consent", consent),
        "document": rl_selectors.record_document(consent),
        "document_words": RECORDS["consent"].document,
        "flags": rl_selectors.flags_on_chain(consent, guilds=access.roles_of(user).guilds),
        "ledger_keys": ledger_verification_keys(),
    }


def ledger_verification_keys() -> dict:
    """Return what the in-browser verifier checks the ledger's checkpoint against: the ledger's
    verifier key, and the witness policy's witnesses (each named by the guild that runs it, where
    one does), groups and quorum (C2SP tlog-policy)."""
    policy = cosigning.witness_policy()
    witnesses = policy.witnesses if policy else {}
    keys = [c.vkey for c in witnesses.values()]
    guilds = dict(Guild.objects.filter(witness_key__in=keys).values_list("witness_key", "name"))
    return {
        "log": checkpoints.signing_key().verifier_key,
        "witnesses": [
            {"name": name, "vkey": c.vkey, "label": guilds.get(c.vkey) or name}
            for name, c in witnesses.items()
        ],
        "groups": [
            {"name": g.name, "threshold": g.threshold, "members": list(g.members)}
            for g in (policy.groups.values() if policy else ())
        ],
        "quorum": policy.quorum if policy else "none",
    }


def flagging_guild(user, consent) -> Guild | None:
    """Return the guild the user flags a consent record for: the first of the user's guilds the
    performer is a member of; None if the user represents none of them."""
    guilds = access.roles_of(user).guilds & set(consent.talent.memberships.values_list("guild_id", flat=True))
    return Guild.objects.get(pk=min(guilds)) if guilds else None


def ledger_page(count: int = 10) -> dict:
    """The ledger's latest checkpoints, each with the witnesses that cosigned it and whether the
    witness policy's quorum holds, for anyone to read (checkpoints and cosignatures are public)."""
    rows = []
    for size in checkpoints.recent_sizes(count):
        found = cosigning.checkpoint_witnesses(size)
        witnesses = [
            {
                "name": w.guild or w.name,
                "cosigned_at": datetime.datetime.fromtimestamp(w.cosigned_at, datetime.UTC)
                if w.cosigned_at
                else None,
                "in_policy": w.in_policy,
            }
            for w in found.witnesses
        ]
        rows.append({"checkpoint": found, "witnesses": witnesses, "policy": bool(found.witnesses)})
    return {"checkpoints": rows}
