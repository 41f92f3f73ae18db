"""The guild's pages and the public ledger page: consents of members, flags, the ledger's keys."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse

from generation import selectors as gen_selectors
from generation.models import Decision, GenerationOutput
from provenance.models import FaceSighting
from rightsledger import access
from rightsledger import selectors as rl_selectors
from rightsledger.api.records import RECORDS
from rightsledger.ledger import checkpoints, cosigning
from rightsledger.models import ConsentRecord, Guild, Talent

from .. import filters, recordwords, registers
from .assets import asset_thumbnail
from .decisions import record_proof_link
from .records import entry_meaning


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
        e.meaning = entry_meaning(e.entry_type)
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
        # A representative of the performer's guild reads what the terms are; anyone else the page
        # lets in (a superuser with no guild of the performer's) reads them as clearance would.
        "terms_readable": access.can_read_consent_terms(user, consent),
        "withheld": recordwords.WITHHELD,
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


# --- Where a member's likeness was used ------------------------------------------------------------


def guild_members(user):
    """Return the performers the user represents (members of the user's guilds; every performer for
    a superuser), by name."""
    roles = access.roles_of(user)
    talents = Talent.objects.filter(erased_at__isnull=True)
    if not roles.superuser:
        talents = talents.filter(memberships__guild_id__in=roles.guilds).distinct()
    return talents.order_by("legal_name", "id")


@dataclass(frozen=True)
class MemberRow:
    """A member in the guild's list, with how often their likeness was used."""

    talent: Talent
    decisions: int  # decisions that relied on one of their consents
    outputs: int  # generated outputs where their face was found


def guild_member_rows(user) -> list[MemberRow]:
    """Return the performers the user represents (guild_members), each with the number of decisions
    that relied on their consents and of generated outputs where their face was found, as their
    pages count them: the same few queries (members, consents, decisions), however many members."""
    members = list(
        guild_members(user).annotate(
            found=Count(
                "face_sightings__asset",
                filter=Q(face_sightings__asset__in=GenerationOutput.objects.values("asset_id")),
                distinct=True,
            )
        )
    )
    consents = dict(rl_selectors.consents_for(user).filter(talent__in=members).values_list("pk", "talent_id"))
    relied: dict[int, int] = {}
    decisions = gen_selectors.decisions_relying_on(
        "consent", ConsentRecord.objects.filter(pk__in=list(consents))
    )
    for decision in decisions.only("reasons"):
        relied_on = gen_selectors.relied_consents(decision.reasons)
        for talent_id in {consents[i] for i in relied_on if i in consents}:
            relied[talent_id] = relied.get(talent_id, 0) + 1
    return [MemberRow(t, relied.get(t.pk, 0), t.found) for t in members]


@dataclass(frozen=True)
class Reliance:
    """A decision that relied on one of the member's consents."""

    decision: Decision
    consent: ConsentRecord


@dataclass(frozen=True)
class Appearance:
    """An output where the member's face was found: where, how near, and what covered it."""

    output: GenerationOutput
    seconds: float | None
    distance: float | None
    consent: ConsentRecord | None  # the consent the run relied on for the member
    held: bool  # the likeness check held the output: no consent of the request covered the member
    picture_url: str  # empty unless the production lets the guilds see its pictures


def _subject(talent) -> str:
    return f"talent {talent.pk}"


def guild_member_page(user, talent) -> dict:
    """Return where a member's likeness was used, as their guild may read it: each decision that
    relied on one of their consents (with its production; no other record of it), and each output where their
    face was found, with the consent that covered it or the hold if none did. Pictures only where
    the production lets the guilds see them, and never of an output withheld for clearance."""
    consents = {c.pk: c for c in rl_selectors.consents_for(user).filter(talent=talent)}
    relied = (
        gen_selectors.decisions_relying_on("consent", ConsentRecord.objects.filter(pk__in=list(consents)))
        .select_related("request__production", "request__shot")
        .order_by("-id")
    )
    reliances = [Reliance(d, gen_selectors.consent_relied_on(d.reasons, consents)) for d in relied]
    sightings = list(
        FaceSighting.objects.filter(talent=talent)
        .order_by("-asset_id", "frame_index")
        .values_list("pk", "asset_id", "seconds", "distance")
    )
    outputs = {
        o.asset_id: o
        for o in GenerationOutput.objects.filter(asset_id__in={a for _, a, _, _ in sightings}).select_related(
            "request__production", "request__shot"
        )
    }
    decisions = {}
    for d in Decision.objects.filter(request__output__asset_id__in=list(outputs)).order_by("id"):
        decisions.setdefault(d.request_id, []).append(d)
    appearances = []
    for sighting, asset_id, seconds, distance in sightings:
        output = outputs.get(asset_id)
        if output is None:
            continue
        request = output.request
        runs = decisions.get(request.pk, [])
        held = any(
            d.kind == "likeness_check" and any(r["subject"] == _subject(talent) for r in d.reasons)
            for d in runs
        )
        # The latest check before the run that relied on one of the member's consents for them.
        covering = next(
            (
                consent
                for d in reversed([d for d in runs if d.kind in ("run_check", "gate")])
                if (consent := gen_selectors.consent_relied_on(d.reasons, consents, talent_id=talent.pk))
            ),
            None,
        )
        shown = request.production.guild_pictures and request.status not in gen_selectors.WITHHELD_STATUSES
        # Named by the face found, not by the output's asset: the guild reads no record of the production.
        url = reverse("portal:guild_member_picture", args=[talent.pk, sighting]) if shown else ""
        appearances.append(Appearance(output, seconds, distance, covering, held, url))
    return {
        "talent": talent,
        "reliances": reliances,
        "appearances": appearances,
        "match_limit": settings.FACE_MATCH_DISTANCE,
    }


def guild_member_picture(user, talent, sighting_id: int):
    """Return the thumbnail of the output where this face of the member was found, if the
    production lets the guilds see its pictures and the output is not withheld; None otherwise."""
    output = (
        GenerationOutput.objects.filter(
            asset__face_sightings__pk=sighting_id, asset__face_sightings__talent=talent
        )
        .select_related("request__production", "asset")
        .first()
    )
    if output is None or not output.request.production.guild_pictures:
        return None
    if output.request.status in gen_selectors.WITHHELD_STATUSES:
        return None
    return asset_thumbnail(output.asset)
