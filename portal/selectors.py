"""Reads of the portal: what each page shows, composed from the apps' own selectors (the same ones
the API calls). Each returns a page's template context for a user whose access the view has
already checked; none reads a stored file, except the verification of a signed output on a cache
miss (`output_credentials`)."""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from generation import selectors as gen_selectors
from generation.engines import all_engines
from generation.models import INPUT_ROLES
from provenance import lineage
from provenance.models import AssetCredential, PerceptualHash
from provenance.selectors import verify
from provenance.similarity import near_by_phash
from rightsledger import access, vocab
from rightsledger import selectors as rl_selectors
from rightsledger.api.records import RECORDS
from rightsledger.ledger import checkpoints, cosigning, prooffiles
from rightsledger.models import Guild

from .relied import relied_records

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
    """Return clearance's start page: the sign-off queue, terms ending soon, notifications."""
    return {
        "queue": gen_selectors.sign_off_queue(user),
        "expiring": rl_selectors.expiring_for(user, within_days=30),
        "notifications": rl_selectors.notifications_for(user)[:20],
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


def request_form_choices(user, production) -> dict:
    """Return what the request form offers: the production's shots, the engines, the assets the
    user may use as inputs (never a generated output), the input roles, uses and media."""
    return {
        "production": production,
        "shots": production.shots.order_by("code"),
        "engines": sorted(all_engines().values(), key=lambda e: e.name),
        "assets": rl_selectors.assets_for(user)
        .filter(production=production)
        .exclude(origin="generated")
        .order_by("id"),
        "roles": INPUT_ROLES,
        "uses": vocab.GENERATION_USES,
        "media": vocab.MEDIA,
    }


def request_page(user, req) -> dict:
    """Return a generation request's page: its decisions (the latest, and what was revoked since),
    inputs, sign-offs, output, and a succeeded output's Content Credentials (from the cache)."""
    decisions = list(req.decisions.all())
    output = getattr(req, "output", None) if req.status in ("succeeded", "held", "refused") else None
    signed = output is not None and req.status == "succeeded"
    return {
        "req": req,
        "revoked": gen_selectors.revoked_since(decisions[-1]) if decisions else [],
        "decision": decisions[-1] if decisions else None,
        "decisions": decisions,
        "inputs": req.inputs.select_related("asset"),
        "sign_offs": req.sign_offs.select_related("approver"),
        "output": output,
        "credentials": output_credentials(output) if signed else None,
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
    """Return the production's assets the user may see, newest first, with owner and performer."""
    return (
        rl_selectors.assets_for(user)
        .filter(production=production)
        .select_related("owner", "talent")
        .order_by("-id")
    )


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
    entries, fields, what relied on it, and whether the user may change it."""
    versions = versions.filter(chain=record.chain).order_by("version")
    entries = rl_selectors.ledger_entries_for(user).filter(record_type=kind, chain=record.chain)
    return {
        "kind": kind,
        "record": record,
        "versions": versions,
        "entries": entries.order_by("seq"),
        "impact": revocation_impact(user, kind, record),
        "fields": [
            (f.replace("_", " "), getattr(record, f)) for f in type(record).record_fields() if f != "assets"
        ],
        "assets": record.assets.all() if kind == "grant" else None,
        "proof_file": record_proof_link(kind, record),
        "current": not versions.filter(replaces=record).exists() and record.status == "active",
        "may_change": can_change_record(user, production),
    }


# --- Shot audit ----------------------------------------------------------------------------------


def shot_audit_page(shot) -> dict:
    """Return a shot's audit (every generation, decision and proof, and the records relied on by
    name, marked when revoked or amended since) and the latest checkpoint."""
    audit = gen_selectors.shot_audit(shot)
    relied = relied_records({r for g in audit["generations"] for r in g["records"]})
    for g in audit["generations"]:
        g["relied"] = [relied[(k, i)] for k, i, _ in g["records"] if (k, i) in relied]
    return {
        "shot": shot,
        "audit": audit,
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
    return current.select_related("talent", "production").order_by("talent__legal_name", "id")


def guild_consent_page(user, consent) -> dict:
    """Return a consent record's page for a guild: its versions, ledger entries and the flags the
    user's guilds raised on it."""
    versions = list(rl_selectors.consents_for(user).filter(chain=consent.chain).order_by("version"))
    entries = rl_selectors.ledger_entries_for(user).filter(record_type="consent", chain=consent.chain)
    return {
        "consent": consent,
        "versions": versions,
        "current": versions[-1],
        "entries": entries.select_related("leaf").order_by("seq"),
        "proof_file": record_proof_link("consent", consent),
        "flags": consent.flags.filter(guild_id__in=access.roles_of(user).guilds),
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
