"""Who and where: studios, productions and their shots, parties (rights holders, vendors, agencies,
estates) and guilds. Each write is one record and its ledger entry."""

from django.core.exceptions import ValidationError
from django.db import transaction

from rightsledger.ledger.entry_types import EntryType

from .. import access, input_policy, vocab, words
from .. import validation as v
from ..errors import Conflict, Errors
from ..ledger.append import recording
from ..models import Guild, Party, Production, Shot, Studio
from ..personal import record_commitments


def studio_create(*, actor, name: str, slug: str) -> Studio:
    """Create a studio; refuse a slug already taken."""
    if Studio.objects.filter(slug=slug).exists():
        raise Conflict(f"A studio with slug {slug!r} already exists.", code="studio_slug_taken", field="slug")
    with recording(actor=actor) as rec:
        studio = Studio.objects.create(name=name, slug=slug)
        rec.append(
            EntryType.STUDIO_CREATED,
            {"studio": studio.pk, "slug": slug, **record_commitments(studio)},
            record=studio,
        )
    return studio


def production_create(
    *, actor, studio: Studio, title: str, code: str, output_disclosure: str = "neutral"
) -> Production:
    """Create a production of a studio; refuse a code the studio already uses."""
    errors = Errors()
    v.choice(errors, "output_disclosure", output_disclosure, vocab.OUTPUT_DISCLOSURES)
    errors.raise_if_any()
    if Production.objects.filter(studio=studio, code=code).exists():
        raise Conflict(
            f"This studio already has a production with code {code!r}.",
            code="production_code_taken",
            field="code",
        )
    with recording(actor=actor) as rec:
        production = Production.objects.create(
            studio=studio, title=title, code=code, output_disclosure=output_disclosure
        )
        rec.append(
            EntryType.PRODUCTION_CREATED,
            {
                "production": production.pk,
                "studio": studio.pk,
                "code": code,
                "output_disclosure": output_disclosure,
                **record_commitments(production),
            },
            record=production,
            production=production,
        )
    return production


MAX_LABEL_CHARS = 60


def production_label_set(
    *, actor, production: Production, enabled: bool, text: str = "", corner: str = "bottom_right"
) -> Production:
    """Switch on, change or switch off the visible label burned into the production's outputs
    before they are signed (text: the label's words, empty for the standard words); return the
    production. Its later outputs carry it; those already signed keep what they were signed with."""
    access.require(actor, production, access.CLEARANCE_ROLES, "set the production's visible label")
    errors = Errors()
    text = v.text(errors, "text", text, limit=MAX_LABEL_CHARS)
    if corner not in vocab.LABEL_CORNERS:
        corners = ", ".join(words.label(c, "label_corners") for c in vocab.LABEL_CORNERS)
        errors.add("corner", "invalid_choice", f"Put the label in one of the corners: {corners}.")
    if not isinstance(enabled, bool):
        errors.add("enabled", "invalid", "Say whether the label is on: true or false.")
    errors.raise_if_any()
    with recording(actor=actor) as rec:
        locked = Production.objects.select_for_update().get(pk=production.pk)
        locked.label_enabled, locked.label_text, locked.label_corner = enabled, text, corner
        locked.save(update_fields=["label_enabled", "label_text", "label_corner"])
        rec.append(
            EntryType.PRODUCTION_LABEL_SET,
            {"production": locked.pk, "enabled": enabled, "corner": corner, **record_commitments(locked)},
            record=locked,
            production=locked,
        )
    production.refresh_from_db()
    return production


def production_guild_pictures_set(*, actor, production: Production, allowed: bool) -> Production:
    """Let the guilds of the performers whose faces were found in the production's outputs see
    those outputs' pictures on their member's page, or stop them (a ledger entry; nothing is
    written when it is already so); return the production."""
    access.require(actor, production, access.CLEARANCE_ROLES, "let the guilds see the production's pictures")
    if not isinstance(allowed, bool):
        errors = Errors()
        errors.add("allowed", "invalid", "Say whether the guilds may see the pictures: true or false.")
        errors.raise_if_any()
    with transaction.atomic():
        locked = Production.objects.select_for_update().get(pk=production.pk)
        if locked.guild_pictures == allowed:
            return locked
        with recording(actor=actor) as rec:
            locked.guild_pictures = allowed
            locked.save(update_fields=["guild_pictures"])
            rec.append(
                EntryType.PRODUCTION_GUILD_PICTURES_SET,
                {"production": locked.pk, "allowed": allowed},
                record=locked,
                production=locked,
            )
    return locked


def shot_create(
    *, actor, production: Production, code: str, sequence: str = "", description: str = "", **placement
) -> Shot:
    """Create a shot of a production, with where it sits if that is known (Shot.UPDATABLE: frames,
    record range, reel); refuse a malformed code or one already used."""
    errors = Errors()
    try:
        Shot._meta.get_field("code").run_validators(code)
    except ValidationError as exc:
        errors.add("code", "shot_code_invalid", exc.messages[0])
    _check_shot_values(errors, {"sequence": sequence, "description": description, **placement})
    errors.raise_if_any()
    if Shot.objects.filter(production=production, code=code).exists():
        raise Conflict(
            f"Shot {code} already exists in this production.", code="shot_code_taken", field="code"
        )
    placed = {f: v for f, v in placement.items() if v is not None and f not in Shot.personal_fields}
    with recording(actor=actor) as rec:
        shot = Shot.objects.create(
            production=production, code=code, sequence=sequence, description=description, **placement
        )
        rec.append(
            EntryType.SHOT_CREATED,
            {
                "shot": shot.pk,
                "production": production.pk,
                "code": code,
                **placed,
                **record_commitments(shot),
            },
            record=shot,
            production=production,
        )
    return shot


def shot_update(*, actor, shot: Shot, changes: dict, reason: str) -> Shot:
    """Change where a shot sits (frames, record range, reel, sequence) or mark it removed, with a
    ledger entry naming what changed; return the shot. Changing nothing writes nothing."""
    errors = Errors()
    _check_shot_values(errors, changes)
    errors.raise_if_any()
    with transaction.atomic():
        locked = Shot.objects.select_for_update().get(pk=shot.pk)
        changed = {f: value for f, value in changes.items() if getattr(locked, f) != value}
        if not changed:
            return locked
        with recording(actor=actor) as rec:
            for f, value in changed.items():
                setattr(locked, f, value)
            locked.update_reason = (reason or "")[:500]
            locked.save(update_fields=[*changed, "update_reason"])
            # Text changes are named, and their values committed to, with the reason (CommitsText).
            rec.append(
                EntryType.SHOT_UPDATED,
                {
                    "shot": locked.pk,
                    "production": locked.production_id,
                    "code": locked.code,
                    "changes": {f: value for f, value in changed.items() if f not in Shot.personal_fields},
                    **(
                        {"text_changed": sorted(set(changed) & set(Shot.personal_fields))}
                        if set(changed) & set(Shot.personal_fields)
                        else {}
                    ),
                    **record_commitments(locked),
                },
                record=locked,
                production=locked.production,
            )
    return locked


def _check_shot_values(errors: Errors, values: dict) -> None:
    """What shot_create and shot_update accept of a shot's sequence, description and placement."""
    unknown = sorted(set(values) - set(Shot.UPDATABLE))
    if unknown:
        errors.add(
            "changes",
            "not_updatable",
            f"{', '.join(unknown)} cannot be changed on a shot; these can: {', '.join(Shot.UPDATABLE)}.",
        )
    for f in ("frame_in", "frame_out", "frame_count", "record_in", "record_out"):
        value = values.get(f)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31
        ):
            errors.add(f, "invalid", f"{f} must be a whole frame number.")
    if (
        values.get("frame_count") is not None
        and isinstance(values["frame_count"], int)
        and values["frame_count"] < 0
    ):
        errors.add("frame_count", "invalid", "frame_count cannot be negative.")
    for f in ("sequence", "reel"):
        if f in values and not isinstance(values[f], str):
            errors.add(f, "invalid", f"{f} must be text.")
    if "sequence" in values and isinstance(values["sequence"], str) and len(values["sequence"]) > 100:
        errors.add("sequence", "too_long", "A sequence label is at most 100 characters.")
    if "reel" in values and isinstance(values["reel"], str) and len(values["reel"]) > 255:
        errors.add("reel", "too_long", "A reel or media name is at most 255 characters.")
    if values.get("description"):
        v.text(errors, "description", values["description"])
    for f in ("sequence", "reel"):  # from a tracker or an edit's file as well as from a form
        if isinstance(values.get(f), str) and (problem := input_policy.text_problem(f, values[f])):
            errors.add(f, problem.code, problem.message)


def party_create(*, actor, studio: Studio, name: str, kind: str) -> Party:
    """Record a rights holder, vendor, agency or estate of a studio."""
    errors = Errors()
    v.choice(errors, "kind", kind, vocab.PARTY_KINDS)
    if not (name or "").strip():
        errors.add("name", "required", "Give the party's name.")
    errors.raise_if_any()
    with recording(actor=actor) as rec:
        party = Party.objects.create(studio=studio, name=name.strip(), kind=kind)
        rec.append(
            EntryType.PARTY_CREATED,
            {"party": party.pk, "studio": studio.pk, "kind": kind, **record_commitments(party)},
            record=party,
        )
    return party


def guild_create(*, actor, name: str, abbreviation: str = "") -> Guild:
    """Register a guild; refuse a name already registered."""
    if Guild.objects.filter(name=name).exists():
        raise Conflict(f"A guild named {name!r} already exists.", code="guild_exists", field="name")
    with recording(actor=actor) as rec:
        guild = Guild.objects.create(name=name, abbreviation=abbreviation)
        rec.append(EntryType.GUILD_CREATED, {"guild": guild.pk, **record_commitments(guild)}, record=guild)
    return guild
