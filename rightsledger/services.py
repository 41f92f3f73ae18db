"""Every write of the rights domain. Each one validates, then writes the record and its ledger
entry inside one `recording()` block (one transaction), and is the only way to make that write.
Callers check access first (rightsledger.access); services assume the actor may act.
"""

import datetime
import hashlib
import re
import unicodedata
from pathlib import PurePosixPath
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from PIL import ImageFile, UnidentifiedImageError

from . import input_policy
from . import validation as v
from . import vocab
from .errors import Conflict, Errors, PayloadTooLarge
from .ledger.append import recording
from .names import INVISIBLE, MAX_NAME_WORDS, name_forms, normalize, words_of
from .erasure import FoundField, erasure_preview, erasure_terms, mentions
from .personal import ERASED, commitment, new_salt, record_commitments
from .signals import asset_registered, record_revoked, talent_erased
from .models import (
    Asset,
    ConsentRecord,
    Guild,
    GuildMembership,
    Party,
    Production,
    RightsGrant,
    Role,
    Shot,
    Studio,
    Talent,
    TalentName,
    TrainingReservation,
    content_name,
)


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Studios, productions, shots, parties, guilds, talent ------------------------------------


def studio_create(*, actor, name: str, slug: str) -> Studio:
    """Create a studio; refuse a slug already taken."""
    if Studio.objects.filter(slug=slug).exists():
        raise Conflict(f"A studio with slug {slug!r} already exists.", code="studio_slug_taken", field="slug")
    with recording(actor=actor) as rec:
        studio = Studio.objects.create(name=name, slug=slug)
        rec.append("studio.created", {"studio": studio.pk, "slug": slug, **record_commitments(studio)}, record=studio)
    return studio


def production_create(*, actor, studio: Studio, title: str, code: str, output_disclosure: str = "neutral") -> Production:
    """Create a production of a studio; refuse a code the studio already uses."""
    errors = Errors()
    v.choice(errors, "output_disclosure", output_disclosure, vocab.OUTPUT_DISCLOSURES)
    errors.raise_if_any()
    if Production.objects.filter(studio=studio, code=code).exists():
        raise Conflict(f"This studio already has a production with code {code!r}.", code="production_code_taken", field="code")
    with recording(actor=actor) as rec:
        production = Production.objects.create(studio=studio, title=title, code=code, output_disclosure=output_disclosure)
        rec.append("production.created", {"production": production.pk, "studio": studio.pk, "code": code, "output_disclosure": output_disclosure,
                                          **record_commitments(production)}, record=production, production=production)
    return production


def shot_create(*, actor, production: Production, code: str, sequence: str = "", description: str = "", **placement) -> Shot:
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
        raise Conflict(f"Shot {code} already exists in this production.", code="shot_code_taken", field="code")
    placed = {f: v for f, v in placement.items() if v is not None and f not in Shot.personal_fields}
    with recording(actor=actor) as rec:
        shot = Shot.objects.create(production=production, code=code, sequence=sequence, description=description, **placement)
        rec.append("shot.created", {"shot": shot.pk, "production": production.pk, "code": code, **placed, **record_commitments(shot)},
                   record=shot, production=production)
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
            rec.append("shot.updated", {"shot": locked.pk, "production": locked.production_id, "code": locked.code,
                                        "changes": {f: value for f, value in changed.items() if f not in Shot.personal_fields},
                                        **({"text_changed": sorted(set(changed) & set(Shot.personal_fields))}
                                           if set(changed) & set(Shot.personal_fields) else {}),
                                        **record_commitments(locked)}, record=locked, production=locked.production)
    return locked


def _check_shot_values(errors: Errors, values: dict) -> None:
    """What shot_create and shot_update accept of a shot's sequence, description and placement."""
    unknown = sorted(set(values) - set(Shot.UPDATABLE))
    if unknown:
        errors.add("changes", "not_updatable", f"{', '.join(unknown)} cannot be changed on a shot; these can: {', '.join(Shot.UPDATABLE)}.")
    for f in ("frame_in", "frame_out", "frame_count", "record_in", "record_out"):
        value = values.get(f)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31):
            errors.add(f, "invalid", f"{f} must be a whole frame number.")
    if values.get("frame_count") is not None and isinstance(values["frame_count"], int) and values["frame_count"] < 0:
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
        rec.append("party.created", {"party": party.pk, "studio": studio.pk, "kind": kind, **record_commitments(party)}, record=party)
    return party


def guild_create(*, actor, name: str, abbreviation: str = "") -> Guild:
    """Register a guild; refuse a name already registered."""
    if Guild.objects.filter(name=name).exists():
        raise Conflict(f"A guild named {name!r} already exists.", code="guild_exists", field="name")
    with recording(actor=actor) as rec:
        guild = Guild.objects.create(name=name, abbreviation=abbreviation)
        rec.append("guild.created", {"guild": guild.pk, **record_commitments(guild)}, record=guild)
    return guild


def talent_create(
    *,
    actor,
    legal_name: str,
    professional_name: str = "",
    aliases: list[str] | None = None,
    is_deceased: bool = False,
    is_minor: bool = False,
    external_ids: dict | None = None,
    memberships: list[dict] | None = None,
) -> Talent:
    """Register a performer. The ledger entry names no one: it holds ids and memberships only."""
    errors = Errors()
    if not (legal_name or "").strip():
        errors.add("legal_name", "required", "Give the performer's legal name.")
    if is_deceased and is_minor:
        errors.add("is_minor", "deceased_minor", "A performer cannot be recorded as both deceased and a minor.")
    aliases = [a.strip() for a in (aliases or []) if a and a.strip()]
    _require_matchable_names(errors, legal_name=(legal_name or "").strip(),
                             professional_name=(professional_name or "").strip(), aliases=aliases)
    external_ids = external_ids or {}
    if not isinstance(external_ids, dict) or not all(isinstance(x, str) for x in external_ids.values()):
        errors.add("external_ids", "invalid", 'Give external ids as an object of strings, such as {"isni": "0000000121032683"}.')
    isni = (external_ids or {}).get("isni") if isinstance(external_ids, dict) else None
    digits = isni.replace(" ", "")[:15] if isinstance(isni, str) else ""  # ASCII: isdigit() alone passes "²"
    if isni and not (len(isni.replace(" ", "")) == 16 and digits.isascii() and digits.isdigit()):
        errors.add("external_ids", "isni_invalid", "An ISNI is 16 characters: 15 digits and a check character.")
    rows = []
    for i, m in enumerate(memberships or []):
        guild = Guild.objects.filter(pk=m.get("guild")).first()
        member_id = str(m.get("member_id") or "").strip()
        if guild is None:
            errors.add("memberships", "guild_unknown", f"Membership {i + 1}: no guild with id {m.get('guild')!r}.")
        elif any(g == guild for g, _ in rows):  # one membership a guild (guild_talent_unique)
            errors.add("memberships", "guild_repeated",
                       f"Membership {i + 1}: {guild} is given twice; a performer is a member of a guild once.")
        elif not member_id:
            errors.add("memberships", "member_id_required", f"Membership {i + 1}: give the member id in {guild}.")
        elif GuildMembership.objects.filter(guild=guild, member_id=member_id).exists():
            errors.add("memberships", "member_id_taken", f"Member id {member_id} is already registered in {guild}.")
        else:
            rows.append((guild, member_id))
    errors.raise_if_any()
    with recording(actor=actor) as rec:
        talent = Talent.objects.create(
            legal_name=legal_name.strip(),
            professional_name=(professional_name or "").strip(),
            aliases=aliases,
            is_deceased=is_deceased,
            is_minor=is_minor,
            external_ids=external_ids,
            personal_salt=new_salt(),
        )
        for guild, member_id in rows:
            GuildMembership.objects.create(talent=talent, guild=guild, member_id=member_id)
        _index_names(talent)
        rec.append(
            "talent.registered",
            {
                "talent": talent.pk,
                "is_deceased": is_deceased,
                "is_minor": is_minor,
                # A member id identifies a person: the entry commits to it (rightsledger.personal).
                "memberships": [{"guild": g.pk, "member_id": commitment(talent.personal_salt, f"member_id:{g.pk}", mid)} for g, mid in rows],
                **record_commitments(talent),
            },
            record=talent,
        )
    return talent


_NAME_FIELDS = {"legal_name": "The legal name", "professional_name": "The professional name",
                "aliases": "Alias"}


def _require_matchable_names(errors: Errors, **names) -> None:
    """Add an error for each field whose name a prompt could not be matched against as written: one
    with invisible or control characters, one with no letters or digits, one of more than
    MAX_NAME_WORDS words, one too long for the index of names in its matching form."""
    limit = TalentName._meta.get_field("normalized").max_length
    for field, given in names.items():
        for n, name in enumerate(given if isinstance(given, list) else [given], start=1):
            if not isinstance(name, str) or not name:
                continue
            label = _NAME_FIELDS.get(field, field) + (f" {n}" if isinstance(given, list) else "")
            form = normalize(name)
            if hidden := INVISIBLE.search(name):
                char = hidden.group()
                errors.add(field, "name_invisible_characters",
                           f"{label} contains an invisible or control character (U+{ord(char):04X} "
                           f"{unicodedata.name(char, 'unnamed')}); a prompt could name the performer without "
                           "it. Type the name again without it.")
            elif not form:
                errors.add(field, "name_unmatchable",
                           f"{label} has no letters or digits that a prompt could be matched against. "
                           "Give the name in letters.")
            elif words_of(form) > MAX_NAME_WORDS:
                errors.add(field, "name_too_many_words",
                           f"{label} has {words_of(form)} words; a name is matched in prompts up to "
                           f"{MAX_NAME_WORDS} words. Give a shorter form of the name.")
            elif any(len(f) > limit for f in (form, form.replace(" ", ""))):
                errors.add(field, "name_too_long",
                           f"{name[:40]!r}... is too long to be matched in prompts: written out for matching "
                           f"(look-alike letters replaced by the letters they resemble) it runs past {limit} "
                           "characters. Give a shorter name.")
            else:
                continue
            break


def _index_names(talent: Talent) -> None:
    """Index every name a prompt could use for the talent: legal and professional names, and
    each registered alias as given (an alias is registered because it is used), in the forms the
    prompt check compares (rightsledger.names). Two performers may share a name: a prompt that
    uses it names both."""
    limit = TalentName._meta.get_field("normalized").max_length
    given = [talent.legal_name, talent.professional_name, *talent.aliases]
    names = {form for name in given if name for form in name_forms(name)}
    TalentName.objects.bulk_create(
        [TalentName(talent=talent, normalized=n, words=words_of(n))
         for n in sorted(names) if n and words_of(n) <= MAX_NAME_WORDS and len(n) <= limit]
    )


ERASED_CONSENT_REASON = "Withdrawn: the performer's personal data was erased."
ERASED_LIKENESS_TITLE = "Likeness reference (erased performer)"


def talent_erase(*, actor, talent: Talent, basis: str, fields: list[str] | None = None) -> Talent:
    """Erase a performer's personal data, on a lawful request: their names, aliases, external
    ids and member ids; in every version of their consents, the personal fields and the salt
    that lets them be confirmed; guild flags on those consents; through talent_erased, what other
    apps hold (names in prompts and in decisions' reasons); the title and file name of their
    likeness assets; and every other text field that names them (rightsledger.erasure), those of
    `fields` (keys from erasure_preview) or, when it is None, every one found. Consents still in
    force are revoked first, so nothing can rely on them again. The ledger loses nothing: its
    entries hold commitments, not the text, and a `talent.erased` entry, naming ids and fields
    only, is the tombstone. All in one transaction. Returns the talent, erased."""
    from .models import ConsentFlag, Notification

    errors = Errors()
    v.choice(errors, "basis", basis, vocab.ERASURE_BASES)
    if fields is not None and (not isinstance(fields, list) or not all(isinstance(k, str) for k in fields)):
        errors.add("fields", "invalid",
                   'Give the fields to redact as a list of keys from the erasure preview, such as "rightsledger.party:12:name".')
    errors.raise_if_any()
    with recording(actor=actor) as rec:
        locked = Talent.objects.select_for_update().get(pk=talent.pk)
        if locked.erased_at is not None:
            raise Conflict(f"Talent {locked.pk}'s personal data was already erased on {locked.erased_at:%Y-%m-%d}.", code="already_erased")
        terms = erasure_terms(locked)
        confirmed = _confirmed_fields(erasure_preview(locked, terms=terms), fields)
        names = sorted({n for n in [locked.legal_name, locked.professional_name, *locked.aliases] if n}, key=len, reverse=True)
        for current in current_versions(ConsentRecord).filter(talent=locked, status="active"):
            consent_revoke(actor=actor, consent=current, reason=ERASED_CONSENT_REASON)
        now = timezone.now()
        consents = list(ConsentRecord.objects.filter(talent=locked).order_by("id").values_list("id", flat=True))
        ConsentRecord.objects.filter(pk__in=consents).update(**{f: "" for f in ConsentRecord.personal_fields}, personal_salt="", erased_at=now)
        ConsentFlag.objects.filter(consent_id__in=consents).update(reason="", personal_salt="")
        Notification.objects.filter(link__in=[f"/records/consent/{c}/" for c in consents]).update(body="")
        TalentName.objects.filter(talent=locked).delete()
        GuildMembership.objects.filter(talent=locked).update(member_id=Concat(Value("erased-"), Cast("talent_id", CharField())))
        Talent.objects.filter(pk=locked.pk).update(legal_name="", professional_name="", aliases=[], external_ids={}, personal_salt="", erased_at=now)
        talent_erased.send(sender=Talent, talent_id=locked.pk, names=names)
        likeness = _likeness_assets_rename(locked)
        redacted = fields_redact(found=confirmed, terms=terms)
        rec.append("talent.erased", {"talent": locked.pk, "basis": basis, "consents": consents,
                                     "likeness_assets": likeness, "redacted": sorted(x.key for x in redacted)},
                   record=locked)
    locked.refresh_from_db()
    return locked


def _confirmed_fields(found: list[FoundField], keys: list[str] | None) -> list[FoundField]:
    """Return the found fields that are confirmed (all of them when keys is None); refuse a key
    that is not among them, or one that no erasure may change."""
    if keys is None:
        return [f for f in found if f.redactable]
    by_key = {f.key: f for f in found}
    errors = Errors()
    for key in dict.fromkeys(keys):
        if key not in by_key:
            errors.add("fields", "erasure_field_unknown",
                       f"{key[:120]} does not name this performer (or no longer does): "
                       "preview the erasure again and confirm fields from its list.")
        elif not by_key[key].redactable:
            errors.add("fields", "erasure_field_not_redactable",
                       f"{key} is a code of an append-only record, which cannot be changed.")
    errors.raise_if_any()
    return [by_key[k] for k in dict.fromkeys(keys)]


def _safe_suffix(name: str) -> str:
    """Return a file name's extension (".png"), or "" when it is not a plain one."""
    suffix = PurePosixPath(name or "").suffix
    return suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix) else ""


def _likeness_assets_rename(talent: Talent) -> list[int]:
    """Give the performer's likeness assets a neutral title and file name (their stored file is
    named by its SHA-256 alone: content_name); return their ids."""
    ids = []
    for asset in Asset.objects.select_for_update().filter(talent=talent).order_by("id"):
        name = f"likeness-reference-{asset.pk}{_safe_suffix(asset.original_filename)}"
        Asset.objects.filter(pk=asset.pk).update(title=ERASED_LIKENESS_TITLE, original_filename=name,
                                                 personal_salt=new_salt())
        ids.append(asset.pk)
    return ids


def _redacted(value, terms: set[str]):
    """Return a JSON value with every string (or key) that names one of the terms replaced."""
    if isinstance(value, str):
        return ERASED if mentions(value, terms) else value
    if isinstance(value, dict):
        return {(ERASED if mentions(k, terms) else k): _redacted(v, terms) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, terms) for v in value]
    return value


def fields_redact(*, found: list[FoundField], terms: set[str]) -> list[FoundField]:
    """Redact the found fields that still name one of the terms: text becomes "[erased]" (a file
    name "erased" with its extension), a JSON value has its naming strings replaced; a record
    with its own salt gets a new one, so the ledger's commitments to the old text can no longer
    be opened. One query per record. Returns the fields redacted."""
    from django.apps import apps

    by_record: dict[tuple[str, int], list[FoundField]] = {}
    for f in found:
        if f.redactable:
            by_record.setdefault((f.model, f.id), []).append(f)
    done = []
    for (label, pk), wanted in sorted(by_record.items()):
        model = apps.get_model(label)
        fields = [model._meta.get_field(f.field) for f in wanted]
        locked = model._default_manager.select_for_update().filter(pk=pk)
        current = locked.values(*(x.attname for x in fields)).first()
        if current is None:
            continue  # deleted by the erasure itself (the performer's name index)
        changes = {}
        for f, field in zip(wanted, fields):
            value = current[field.attname]
            if not mentions(value, terms):
                continue  # erased already (the performer's own record), or no longer naming them
            if isinstance(field, models.JSONField):
                changes[field.attname] = _redacted(value, terms)
            elif field.name.endswith("filename"):
                changes[field.attname] = f"erased{_safe_suffix(value)}"
            else:
                text = f"{ERASED} {pk}" if field.unique else ERASED
                changes[field.attname] = text[: field.max_length or None]
            done.append(f)
        if changes:
            if any(x.name == "personal_salt" for x in model._meta.concrete_fields):
                changes["personal_salt"] = new_salt()
            model._default_manager.filter(pk=pk).update(**changes)
    return done


# --- Roles: who may do what, and where ---------------------------------------------------------

ROLE_SCOPES = {
    vocab.ROLE_STUDIO_ADMIN: "studio",
    vocab.ROLE_CLEARANCE: "production",
    vocab.ROLE_PRODUCER: "production",
    vocab.ROLE_AUDITOR: "production",
    vocab.ROLE_GUILD_REP: "guild",
}


def role_grant(*, actor, user, kind: str, studio: Studio | None = None, production: Production | None = None, guild: Guild | None = None) -> Role:
    """Grant a user a role on a studio, a production or a guild, and return it. A role the user
    already holds is returned as it is, with nothing written."""
    errors = Errors()
    scope = {"studio": studio, "production": production, "guild": guild}
    if v.choice(errors, "kind", kind, vocab.ROLES) in ROLE_SCOPES:
        wanted = ROLE_SCOPES[kind]
        if scope[wanted] is None:
            errors.add(wanted, "required", f"A {kind.replace('_', ' ')} role is held on a {wanted}: give the {wanted}.")
        for name, value in scope.items():
            if name != wanted and value is not None:
                errors.add(name, "role_scope_mismatch", f"A {kind.replace('_', ' ')} role is held on a {wanted}, not a {name}.")
    errors.raise_if_any()
    with transaction.atomic():
        # One grant at a time per user, so two concurrent grants of one role make one record.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        held = current_versions(Role).filter(user=user, kind=kind, status="active", **scope).first()
        if held is not None:
            return held
        return _write_version(ROLE, actor=actor, data={"user": user, "kind": kind, **scope})


def role_revoke(*, actor, role: Role, reason: str) -> Role:
    """Revoke a role by a new version; return it."""
    return _revoke(ROLE, actor=actor, record=role, reason=reason)


# --- Assets ------------------------------------------------------------------------------------

IMAGE_TYPES = {"image/jpeg", "image/png", "image/tiff", "image/webp", "image/gif", "image/x-exr", "image/bmp"}
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/x-matroska", "video/webm"}
AUDIO_TYPES = {"audio/x-wav", "audio/wav", "audio/mpeg", "audio/x-flac", "audio/flac", "audio/aac", "audio/mp4", "audio/ogg"}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "tif", "tiff", "webp", "gif", "exr", "bmp"}
VIDEO_EXTENSIONS = {"mp4", "mov", "mkv", "webm", "m4v"}
AUDIO_EXTENSIONS = {"wav", "mp3", "flac", "aac", "m4a", "ogg"}
KIND_CATEGORIES = {
    "plate": {"image", "video"},
    "still": {"image"},
    "concept_art": {"image"},
    "set_design": {"image"},
    "crowd_element": {"image", "video"},
    "likeness_reference": {"image", "video", "audio"},
    "audio": {"audio"},
    "video": {"video"},
    "generated": {"image", "video", "audio"},
}


def _category(media_type: str) -> str | None:
    if media_type in IMAGE_TYPES:
        return "image"
    if media_type in VIDEO_TYPES:
        return "video"
    if media_type in AUDIO_TYPES:
        return "audio"
    return None


def _extension_category(name: str) -> str | None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for exts, cat in ((IMAGE_EXTENSIONS, "image"), (VIDEO_EXTENSIONS, "video"), (AUDIO_EXTENSIONS, "audio")):
        if ext in exts:
            return cat
    return None


@dataclass(frozen=True)
class ClipInfo:
    width: int
    height: int
    duration_seconds: float
    frame_rate: float
    frame_count: int
    codec: str


@dataclass(frozen=True)
class InspectedFile:
    sha256: str
    size: int
    media_type: str
    width: int | None
    height: int | None
    clip: ClipInfo | None = None


def inspect_image(data: bytes) -> tuple[int, int]:
    """Return (width, height) of an image, decoding it fully within the pixel limit.

    Raises ValidationError for a corrupt image or one over IMAGE_MAX_PIXELS (a decompression bomb).
    """
    from .imaging import ImageRefused, open_image

    limit = settings.IMAGE_MAX_PIXELS
    old_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    # A library may let Pillow accept truncated images process-wide (WeasyPrint does, on import).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with open_image(data, max_pixels=limit) as img:
            width, height = img.size
            img.verify()
        with open_image(data, max_pixels=limit) as img:
            img.load()
    except ImageRefused:
        raise ValidationError(
            {"file": ValidationError(f"The image has more than {limit:,} pixels, the most this service decodes. Send a smaller image or ask an admin to raise IMAGE_MAX_PIXELS.", code="image_too_large")}
        )
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationError({"file": ValidationError(f"The image is corrupt or truncated and cannot be decoded ({exc}). Export it again and re-upload.", code="image_corrupt")})
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = old_truncated
    return width, height


def trailing_bytes(data: bytes, media_type: str) -> int:
    """Return how many bytes follow an image's end (its last PNG chunk, JPEG end-of-image marker,
    GIF trailer, or RIFF/BMP declared size): a file with something after its end is a polyglot
    (a ZIP or a page riding on a picture), not an image. 0 where the format has no end to check."""
    if media_type == "image/png":
        at = 8
        while at + 12 <= len(data):
            length = int.from_bytes(data[at : at + 4], "big")
            end = at + 12 + length
            if data[at + 4 : at + 8] == b"IEND":
                return len(data) - end
            at = end
        return 0  # truncated: the decoder says so
    if media_type == "image/jpeg":
        end = data.rfind(b"\xff\xd9")  # the end-of-image marker; none at all: truncated, as the decoder says
        return len(data) - (end + 2) if end >= 0 else 0
    if media_type == "image/gif":
        return 0 if data.endswith(b";") else 1
    if media_type == "image/webp" and len(data) >= 8:
        return max(0, len(data) - 8 - int.from_bytes(data[4:8], "little"))
    if media_type == "image/bmp" and len(data) >= 6:
        return max(0, len(data) - int.from_bytes(data[2:6], "little"))
    return 0


def inspect_video(source) -> ClipInfo:
    """Read a clip's size, duration, frame rate, frame count and codec with PyAV, and decode its
    first frame; raise ValidationError if it cannot be read through (corrupt, truncated, or a
    container header in front of something else), or if its header declares frames over
    IMAGE_MAX_PIXELS or more than VIDEO_MAX_FRAMES frames (rightsledger.video's checked open).
    source: bytes, a path or a binary file.

    Every packet of the video stream is read (not decoded), so a clip cut short is caught: it
    holds fewer frames than its header declares, or its container ends in the middle of one."""
    import av

    from .video import VideoRefused, open_video

    def refuse(why: str):
        raise ValidationError({"file": ValidationError(f"The clip cannot be read ({why}): it is corrupt, truncated or not a clip. Export it again and re-upload.",
                                                       code="video_corrupt")})

    try:
        limits = {"max_pixels": settings.IMAGE_MAX_PIXELS, "max_frames": settings.VIDEO_MAX_FRAMES}
        with open_video(source, **limits) as clip:
            stream = clip.stream
            declared = clip.declared_frames
            first = next(clip.frames(), None)
            if first is None:
                refuse("no frame decodes")
            clip.container.seek(0)
            counted = sum(1 for _ in clip.packets())
            rate = float(clip.rate or 0)
            duration = clip.seconds or 0.0
            codec = stream.codec_context.name
            width, height = clip.width or first.width, clip.height or first.height
    except ValidationError:
        raise
    except VideoRefused as exc:
        raise ValidationError({"file": ValidationError(exc.message, code=exc.code)}) from None
    except (av.FFmpegError, ValueError, OSError, EOFError) as exc:
        refuse(str(exc) or type(exc).__name__)
    if declared and counted < declared:
        refuse(f"its header declares {declared} frames but only {counted} are there")
    if not rate:
        refuse("it has no frame rate")
    return ClipInfo(int(width), int(height), round(duration, 6), round(rate, 6), counted, codec[:32])


def inspect_upload(upload, *, kind: str, dimensions: tuple[int, int] | None = None) -> tuple[InspectedFile, bytes]:
    """Check an uploaded file from its bytes and return what it is, with its bytes. An image is
    decoded in full, unless its dimensions are given: bytes this service encoded itself from
    pixels it holds (a generated output) are not decoded again."""
    limit = settings.ASSET_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(f"The file is {upload.size:,} bytes; the most this service accepts is {limit:,} bytes.")
    digest = hashlib.sha256()
    chunks = []
    size = 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The file is over the limit of {limit:,} bytes.")
        digest.update(chunk)
        chunks.append(chunk)
    data = b"".join(chunks)
    if size == 0:
        raise ValidationError({"file": ValidationError("The file is empty.", code="file_empty")})
    guess = filetype.guess(data[:8192])
    media_type = guess.mime if guess else None
    category = _category(media_type) if media_type else None
    name = getattr(upload, "name", "") or ""
    named = _extension_category(name)
    if category is None:
        described = f"its content is {media_type}" if media_type else "its content is not a recognised image, video or audio format"
        if named:
            message = f"The file is named {name!r} like an {named}, but {described}. Upload the real {named} file."
        else:
            message = f"The file {name!r} is not accepted: {described}. Accepted: JPEG, PNG, TIFF, WebP, EXR, MP4, MOV, WAV, MP3, FLAC."
        raise ValidationError({"file": ValidationError(message, code="content_type_unsupported")})
    if named and named != category:
        raise ValidationError({"file": ValidationError(f"The file is named {name!r} like an {named}, but its content is {media_type}. Rename it or upload the right file.", code="content_type_mismatch")})
    if category not in KIND_CATEGORIES[kind]:
        raise ValidationError({"kind": ValidationError(f"An asset of kind {kind} must be {' or '.join(sorted(KIND_CATEGORIES[kind]))}; this file is {media_type}.", code="kind_content_mismatch")})
    width = height = clip = None
    if category == "image":
        extra = trailing_bytes(data, media_type)
        if extra:
            raise ValidationError({"file": ValidationError(f"The image has {extra:,} bytes of something else after its end: a file hidden in a picture is not accepted. Export the image alone.",
                                                           code="trailing_data")})
        width, height = dimensions or inspect_image(data)
    elif category == "video":
        clip = inspect_video(data)
        width, height = clip.width, clip.height
    return InspectedFile(sha256=digest.hexdigest(), size=size, media_type=media_type, width=width, height=height, clip=clip), data


def _asset_payload(asset: Asset) -> dict:
    return {
        "asset": asset.pk,
        "sha256": asset.sha256,
        "production": asset.production_id,
        "kind": asset.kind,
        "media_type": asset.media_type,
        "size": asset.size,
        "owner": asset.owner_id,
        "talent": asset.talent_id,
        "origin": asset.origin,
        **({"clip": {"duration_seconds": asset.duration_seconds, "frame_rate": asset.frame_rate, "frame_count": asset.frame_count,
                     "codec": asset.codec, "width": asset.width, "height": asset.height}} if asset.frame_count is not None else {}),
        **record_commitments(asset),  # its title and file name
    }


def store_content(sha256: str, data: bytes) -> tuple[str, bool]:
    """Store bytes content-addressed; the same bytes are stored once. Returns (name, whether this
    call wrote the file). A file left short by a failed write (a full or read-only disk, a
    crash) is written again, and a write that fails leaves no file behind."""
    from django.core.files.base import ContentFile

    name = content_name(sha256)
    if default_storage.exists(name):
        if default_storage.size(name) == len(data):
            return name, False
        default_storage.delete(name)
    try:
        return default_storage.save(name, ContentFile(data)), True
    except OSError:
        if default_storage.exists(name):
            default_storage.delete(name)
        raise


def content_unstore_unless_used(sha256: str) -> None:
    """Remove the stored bytes of a registration that was not recorded, unless an asset uses them."""
    name = content_name(sha256)
    try:
        if not Asset.objects.filter(file=name).exists():
            default_storage.delete(name)
    except Exception:  # noqa: BLE001  (the database is down too: the file stays, and is reused on retry)
        pass


def asset_register(
    *,
    actor,
    production: Production,
    upload,
    kind: str,
    owner: Party | None = None,
    talent: Talent | None = None,
    title: str = "",
    origin: str = "ingested",
    dimensions: tuple[int, int] | None = None,
) -> tuple[Asset, bool]:
    """Register a file as an asset of the production. Return (asset, created).

    The same bytes registered again in the same production return the existing asset. A
    generated output's dimensions may be given (those of the engine's pixels), which spares
    decoding the image this service has just encoded.
    """
    errors = Errors()
    v.choice(errors, "kind", kind, vocab.ASSET_KINDS)
    if owner is not None and owner.studio_id != production.studio_id:
        errors.add("owner", "owner_other_studio", "The owner must be a party of this production's studio.")
    if kind == "likeness_reference" and talent is None:
        errors.add("talent", "required", "A likeness reference must name the performer it shows (talent).")
    if kind != "likeness_reference" and talent is not None:
        errors.add("talent", "talent_not_likeness", "Only a likeness reference names a performer; leave talent empty for this kind.")
    v.text(errors, "title", title, limit=200)
    v.text(errors, "file", getattr(upload, "name", "") or "", limit=255)  # kept as the original file name
    errors.raise_if_any()
    info, data = inspect_upload(upload, kind=kind, dimensions=dimensions if origin == "generated" else None)
    existing = Asset.objects.filter(production=production, sha256=info.sha256).first()
    if existing:
        return existing, False
    name, written = store_content(info.sha256, data)
    try:
        with recording(actor=actor) as rec:
            asset = Asset.objects.create(
                production=production,
                sha256=info.sha256,
                kind=kind,
                media_type=info.media_type,
                size=info.size,
                width=info.width,
                height=info.height,
                **({"duration_seconds": info.clip.duration_seconds, "frame_rate": info.clip.frame_rate, "frame_count": info.clip.frame_count,
                    "codec": info.clip.codec} if info.clip else {}),
                original_filename=(getattr(upload, "name", "") or "")[:255],
                title=title,
                owner=owner,
                talent=talent,
                file=name,
                origin=origin,
                created_by=_user_or_none(actor),
            )
            rec.append("asset.registered", _asset_payload(asset), record=asset, production=production)
    except IntegrityError:
        # Registered concurrently by another request: same bytes, same asset.
        return Asset.objects.get(production=production, sha256=info.sha256), False
    except Exception:
        if written:
            transaction.on_commit(lambda: content_unstore_unless_used(info.sha256))  # at once outside a transaction; after the outer one commits inside
        raise
    transaction.on_commit(lambda: asset_registered.send(sender=Asset, asset_id=asset.pk, origin=origin))
    return asset, True


# --- Versioned records: grants, consents, reservations, roles ----------------------------------

GRANT_AMENDABLE = set(RightsGrant.record_fields()) - {"production"}
CONSENT_AMENDABLE = set(ConsentRecord.record_fields()) - {"talent", "production"}
RESERVATION_AMENDABLE = {"uses", "source", "effective_date", "note"}


def current_versions(model):
    """Return the current version of every chain of a versioned record (those nothing replaces)."""
    return model.objects.filter(replaced_by__isnull=True)


def _clean_avails(errors: Errors, data: dict) -> dict:
    """Check what grants and consents both cover: media, territories, languages and a term."""
    out = {"media": v.listed(errors, "media", data.get("media"), vocab.MEDIA, what="medium")}
    out["territories"], out["territory_exclusions"] = v.territories(errors, data.get("territories"), data.get("territory_exclusions"))
    out["languages"] = v.languages(errors, data.get("languages"))
    v.term(errors, data.get("term_start"), data.get("term_end"))
    return out


def _clean_grant(data: dict) -> dict:
    errors = Errors()
    production = data.get("production")
    out = dict(data)
    grantor = data.get("grantor")
    if grantor is None:
        errors.add("grantor", "required", "Give the grantor: the party that signed the contract.")
    elif production is not None and grantor.studio_id != production.studio_id:
        errors.add("grantor", "grantor_other_studio", "The grantor must be a party of this production's studio.")
    assets = list(dict.fromkeys(data.get("assets") or []))  # each once: the entry lists what the grant covers
    if not assets:
        errors.add("assets", "required", "Give at least one asset the grant covers.")
    if production is not None:
        v.assets_in_production(errors, "assets", assets, production.pk)
    out["assets"] = assets
    out["uses"] = v.listed(errors, "uses", data.get("uses"), vocab.GRANT_USES, what="use")
    out.update(_clean_avails(errors, data))
    out["exclusivity"] = v.choice(errors, "exclusivity", data.get("exclusivity") or "non_exclusive", vocab.EXCLUSIVITY)
    out["contract_sha256"] = v.sha256_hex(errors, "contract_sha256", data.get("contract_sha256"))
    out["restrictions"] = v.text(errors, "restrictions", data.get("restrictions"))
    out["requires_review"] = bool(data.get("requires_review", False))
    errors.raise_if_any()
    return out


def _clean_consent(data: dict) -> dict:
    errors = Errors()
    out = dict(data)
    talent: Talent | None = data.get("talent")
    production: Production | None = data.get("production")
    if talent is None:
        errors.add("talent", "required", "Give the performer the consent is from.")
    role = v.choice(errors, "grantor_role", data.get("grantor_role"), vocab.GRANTOR_ROLES)
    v.choice(errors, "representation", data.get("representation"), vocab.REPRESENTATION)
    v.choice(errors, "replica_type", data.get("replica_type"), vocab.REPLICA_TYPES)
    out["training_permission"] = v.choice(errors, "training_permission", data.get("training_permission") or "none", vocab.TRAINING_PERMISSIONS)
    out["modalities"] = v.listed(errors, "modalities", data.get("modalities"), vocab.MODALITIES, what="modality")
    out["intended_use_description"] = v.use_description(errors, data.get("intended_use_description"))
    out["permitted_uses"] = v.listed(errors, "permitted_uses", data.get("permitted_uses"), vocab.GENERATION_USES, what="use")
    out["prohibited_uses"] = v.listed(errors, "prohibited_uses", data.get("prohibited_uses"), vocab.GENERATION_USES, required=False, what="use")
    both = set(out["permitted_uses"]) & set(out["prohibited_uses"])
    if both:
        errors.add("prohibited_uses", "use_both_permitted_and_prohibited", f"{', '.join(sorted(both))} cannot be both permitted and prohibited.")
    out.update(_clean_avails(errors, data))
    out["evidence_sha256"] = v.sha256_hex(errors, "evidence_sha256", data.get("evidence_sha256"))
    out["prohibited_uses_note"] = v.text(errors, "prohibited_uses_note", data.get("prohibited_uses_note"))
    out["compensation_reference"] = v.text(errors, "compensation_reference", data.get("compensation_reference"), limit=200)
    shots = [str(s) for s in (data.get("permitted_shots") or [])]
    if len(shots) > v.MAX_ITEMS or len(data.get("permitted_scenes") or []) > v.MAX_ITEMS:
        errors.add("permitted_shots", "too_many", f"List at most {v.MAX_ITEMS} shots and {v.MAX_ITEMS} scenes; an empty list means every shot.")
        shots = []
    if shots and production is not None:
        known = set(Shot.objects.filter(production=production, code__in=shots).values_list("code", flat=True))
        unknown = [s for s in shots if s not in known]
        if unknown:
            errors.add("permitted_shots", "shot_unknown", f"No shot {', '.join(unknown)} in this production: create the shots first, or check the codes.")
    out["permitted_shots"] = sorted(set(shots))
    out["permitted_scenes"] = list(dict.fromkeys(str(s) for s in (data.get("permitted_scenes") or [])))
    if talent is not None and role in vocab.GRANTOR_ROLES:
        if talent.is_deceased and role not in ("estate_representative", "union"):
            errors.add("grantor_role", "deceased_needs_estate", "The performer is deceased: consent must come from the estate's representative, or the union where no representative can be found.")
        if talent.is_minor and role != "guardian":
            errors.add("grantor_role", "minor_needs_guardian", "The performer is a minor: consent must come from a parent or legal guardian.")
        if role != "performer" and not (data.get("grantor_name") or "").strip():
            errors.add("grantor_name", "required", f"Name the {role.replace('_', ' ')} who signed.")
    for f in ("scan_notice_date", "union_notified_date"):
        value = data.get(f)
        if value is not None and not isinstance(value, datetime.date):
            errors.add(f, "invalid", "Give dates as YYYY-MM-DD.")
    out["grantor_name"] = v.text(errors, "grantor_name", data.get("grantor_name"), limit=200)
    out["requires_review"] = bool(data.get("requires_review", False))
    errors.raise_if_any()
    return out


def _clean_reservation(data: dict) -> dict:
    errors = Errors()
    out = dict(data)
    subject_type = v.choice(errors, "subject_type", data.get("subject_type"), vocab.RESERVATION_SUBJECTS)
    for s in vocab.RESERVATION_SUBJECTS:
        if s != subject_type:
            out[s] = None
    if subject_type in vocab.RESERVATION_SUBJECTS and data.get(subject_type) is None:
        errors.add(subject_type, "required", f"Give the {subject_type} the reservation covers.")
    out["uses"] = v.listed(errors, "uses", data.get("uses"), vocab.RESERVATION_USES, what="use")
    v.choice(errors, "source", data.get("source"), vocab.RESERVATION_SOURCES)
    if not isinstance(data.get("effective_date"), datetime.date):
        errors.add("effective_date", "required", "Give the date the reservation takes effect (YYYY-MM-DD).")
    if data.get("studio") is None:
        errors.add("studio", "required", "Give the studio recording the reservation.")
    out["note"] = v.text(errors, "note", data.get("note"))
    errors.raise_if_any()
    return out


def _clean_role(data: dict) -> dict:
    return dict(data)


def _payload(record, fields, assets=None) -> dict:
    out = {
        "id": record.pk,
        "chain": str(record.chain),
        "version": record.version,
        "replaces": record.replaces_id,
        "action": record.action,
        "status": record.status,
    }
    personal = record.personal_fields
    out.update(record_commitments(record))  # the free text, committed to, never held: see CommitsText
    for f in fields:
        if f in personal:
            continue
        value = getattr(record, f)
        if f == "assets":
            value = sorted(a.pk for a in (assets if assets is not None else value.all()))
        elif hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        out[f] = value
    for f in record.service_fields:
        if getattr(record, f, None):
            out[f] = getattr(record, f)
    return out


@dataclass(frozen=True)
class Kind:
    model: type
    amendable: set
    clean: object

    @property
    def name(self) -> str:
        return self.model.ledger_type

    @property
    def fields(self) -> tuple[str, ...]:
        return self.model.record_fields()


GRANT = Kind(RightsGrant, GRANT_AMENDABLE, _clean_grant)
CONSENT = Kind(ConsentRecord, CONSENT_AMENDABLE, _clean_consent)
RESERVATION = Kind(TrainingReservation, RESERVATION_AMENDABLE, _clean_reservation)
ROLE = Kind(Role, set(), _clean_role)


def record_production(record) -> Production | None:
    """Return the production a grant, consent or reservation concerns, if any (its ledger entry
    names it, and its clearance users may change it)."""
    if isinstance(record, TrainingReservation):
        return TrainingReservation.production_of_subject(record.subject)
    return getattr(record, "production", None)


# Other apps' versioned records (tracker links) are written and amended the same way.


def version_create(kind: "Kind", *, actor, data: dict):
    return _write_version(kind, actor=actor, data=data)


def version_amend(kind: "Kind", *, actor, record, changes: dict, reason: str):
    return _amend(kind, actor=actor, record=record, changes=changes, reason=reason)


def _write_version(kind: Kind, *, actor, data: dict, previous=None, action: str = "created", status: str = "active", reason: str = "", revocation_scope: dict | None = None):
    clean = kind.clean(data)
    assets = clean.pop("assets", None)
    values = {}
    for f in kind.fields:
        if f == "assets" or f not in clean:
            continue
        value = clean[f]
        if value is None and not kind.model._meta.get_field(f).null:
            continue  # the model's default applies
        values[f] = value
    if previous is not None:
        values.update(chain=previous.chain, version=previous.version + 1, replaces=previous)
    if revocation_scope is not None:
        values["revocation_scope"] = revocation_scope
    with recording(actor=actor) as rec:
        try:
            with transaction.atomic():
                record = kind.model.objects.create(**values, action=action, status=status, reason=reason, created_by=_user_or_none(actor))
        except IntegrityError:
            if previous is None:
                raise
            # replaces is unique: another amendment or revocation of the same version won.
            raise Conflict(
                f"This {kind.name} was changed by someone else a moment ago; reload it and apply your change to the current version.",
                code="concurrent_change",
            )
        if assets is not None:
            record.assets.add(*assets)
        entry = rec.append(f"{kind.name}.{action}", _payload(record, kind.fields, assets=assets), record=record, production=record_production(record))
    # What the list selectors annotate, known here without another query.
    record.is_current = True
    record.ledger_seq = entry.seq
    return record


def _current(kind: Kind, record, *, verb: str):
    """Lock the record and refuse unless it is the current version and still active."""
    locked = kind.model.objects.select_for_update().get(pk=record.pk)
    successor = kind.model.objects.filter(replaces=locked).first()
    if successor is not None:
        raise Conflict(
            f"Version {locked.version} of this {kind.name} was already {successor.action} by version {successor.version} "
            f"(id {successor.pk}); {verb} that one instead.",
            code="not_current_version",
        )
    if locked.status == "revoked":
        raise Conflict(f"This {kind.name} was already revoked on {locked.created_at:%Y-%m-%d}; it cannot be {verb}d.", code="already_revoked")
    return locked


def _as_data(kind: Kind, record) -> dict:
    data = {f: getattr(record, f) for f in kind.fields if f != "assets"}
    if "assets" in kind.fields:
        data["assets"] = list(record.assets.all())
    return data


def _reason(reason, missing: str) -> str:
    """Return the reason as it is recorded (stripped, its lines ended by newlines); refuse a
    missing one, or one the ledger does not take (too long, control characters)."""
    errors = Errors()
    reason = v.text(errors, "reason", reason)
    if not reason:
        errors.add("reason", "required", missing)
    errors.raise_if_any()
    return reason


def _amend(kind: Kind, *, actor, record, changes: dict, reason: str):
    unknown = set(changes) - kind.amendable
    if unknown:
        errors = Errors()
        for f in sorted(unknown):
            errors.add(f, "not_amendable", f"{f} cannot be amended; amendable fields: {', '.join(sorted(kind.amendable))}.")
        errors.raise_if_any()
    if not changes:
        raise ValidationError({"changes": ValidationError("Give at least one field to amend.", code="required")})
    reason = _reason(reason, "Say why the record is amended (for example the contract amendment it follows).")
    with transaction.atomic():
        current = _current(kind, record, verb="amend")
        data = _as_data(kind, current)
        data.update(changes)
        return _write_version(kind, actor=actor, data=data, previous=current, action="amended", reason=reason.strip())


def _consent_scope(data: dict, scope: dict) -> tuple[dict, dict | None, str]:
    """Apply a partial revocation's scope to a consent's data; return (data, scope, status). A
    scope that would leave nothing is a revocation of the whole consent."""
    errors = Errors()
    removed = {}
    remaining = dict(data)
    for f, allowed in (("modalities", vocab.MODALITIES), ("permitted_uses", vocab.GENERATION_USES)):
        values = v.listed(errors, f"scope.{f}", scope.get(f), allowed, required=False, what=f[:-1] if f == "modalities" else "use")
        not_held = sorted(set(values) - set(data[f]))
        if not_held:
            errors.add(f"scope.{f}", "not_in_consent", f"{', '.join(not_held)} {'is' if len(not_held) == 1 else 'are'} not in the consent, so cannot be revoked.")
        if values:
            removed[f] = values
            remaining[f] = [x for x in data[f] if x not in values]
    unknown = set(scope) - {"modalities", "permitted_uses"}
    if unknown:
        errors.add("scope", "scope_unknown", f"A revocation can be scoped by modalities and permitted_uses only, not {', '.join(sorted(unknown))}.")
    if not removed and not errors:
        errors.add("scope", "scope_empty", "Give the modalities or permitted uses to revoke, or no scope to revoke everything.")
    errors.raise_if_any()
    if remaining["modalities"] and remaining["permitted_uses"]:
        return remaining, removed, "active"
    return data, None, "revoked"


def _revoke(kind: Kind, *, actor, record, reason: str, scope: dict | None = None):
    reason = _reason(reason, "Say why it is revoked (for example the letter or request it follows).")
    with transaction.atomic():
        current = _current(kind, record, verb="revoke")
        data = _as_data(kind, current)
        status = "revoked"
        if scope is not None:
            data, scope, status = _consent_scope(data, scope)
        record = _write_version(
            kind, actor=actor, data=data, previous=current, action="revoked", status=status, reason=reason.strip(),
            revocation_scope=(scope or {"all": True}) if kind is CONSENT else None,
        )
        transaction.on_commit(lambda: record_revoked.send(sender=kind.model, record_type=kind.name, record_id=record.pk, chain=record.chain))
        return record


def grant_create(*, actor, **fields) -> RightsGrant:
    """Record a rights grant from a contract; return its first version."""
    return _write_version(GRANT, actor=actor, data=fields)


def grant_amend(*, actor, grant: RightsGrant, changes: dict, reason: str) -> RightsGrant:
    """Amend a grant by a new version; return it."""
    return _amend(GRANT, actor=actor, record=grant, changes=changes, reason=reason)


def grant_revoke(*, actor, grant: RightsGrant, reason: str) -> RightsGrant:
    """Revoke a grant by a new version; return it."""
    return _revoke(GRANT, actor=actor, record=grant, reason=reason)


def consent_create(*, actor, **fields) -> ConsentRecord:
    """Record a performer's consent; return its first version."""
    return _write_version(CONSENT, actor=actor, data=fields)


def consent_amend(*, actor, consent: ConsentRecord, changes: dict, reason: str) -> ConsentRecord:
    """Amend a consent by a new version; return it."""
    return _amend(CONSENT, actor=actor, record=consent, changes=changes, reason=reason)


def consent_revoke(*, actor, consent: ConsentRecord, reason: str, scope: dict | None = None) -> ConsentRecord:
    """Revoke a consent wholly, or only some modalities or uses (scope), by a new version; return it."""
    return _revoke(CONSENT, actor=actor, record=consent, reason=reason, scope=scope)


def reservation_create(*, actor, **fields) -> TrainingReservation:
    """Record a training reservation (opt-out); return its first version. Without a studio, it is
    recorded by the studio of its subject."""
    if fields.get("studio") is None:
        fields["studio"] = _reservation_default_studio(fields, actor)
    return _write_version(RESERVATION, actor=actor, data=fields)


def _reservation_default_studio(fields: dict, actor) -> Studio | None:
    """The studio a reservation belongs to when none is given: its subject's, or, for a
    performer (who belongs to no studio), the actor's studio where the actor has only one."""
    subject = fields.get(fields.get("subject_type") or "")
    if isinstance(subject, Production):
        return subject.studio
    if isinstance(subject, Asset):
        return subject.production.studio
    if isinstance(subject, Party):
        return subject.studio
    from .selectors import studios_for

    studios = list(studios_for(actor)[:2]) if getattr(actor, "is_authenticated", False) else []
    return studios[0] if len(studios) == 1 else None


def reservation_amend(*, actor, reservation: TrainingReservation, changes: dict, reason: str) -> TrainingReservation:
    """Amend a reservation by a new version; return it."""
    return _amend(RESERVATION, actor=actor, record=reservation, changes=changes, reason=reason)


def reservation_revoke(*, actor, reservation: TrainingReservation, reason: str) -> TrainingReservation:
    """Revoke a reservation by a new version; return it."""
    return _revoke(RESERVATION, actor=actor, record=reservation, reason=reason)


# --- Flags and notices ---------------------------------------------------------------------------

MAX_REASON_CHARS = 2000


def notify(*, users, subject: str, body: str = "", link: str = "") -> list:
    """Notify users in the portal, and by e-mail once the caller's transaction commits; return
    the notifications. Users without an e-mail address are notified in the portal only."""
    from django.core.mail import send_mass_mail

    from .models import Notification

    users = list(users)
    made = Notification.objects.bulk_create([Notification(user=u, subject=subject[:200], body=body, link=link) for u in users])
    site = settings.PORTAL_URL.rstrip("/")
    mails = [(f"[Rightsledger] {subject}", f"{body}\n\n{site}{link}" if link else body, None, [u.email]) for u in users if u.email]
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return made


def notifications_read(*, user) -> int:
    """Mark the user's unread notifications read; return how many."""
    from django.utils import timezone

    from .models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def clearance_users(production: Production):
    """Return the users who clear rights on a production: its clearance and its studio's admins."""
    return get_user_model().objects.filter(
        pk__in=current_versions(Role).filter(status="active").filter(
            models.Q(kind=vocab.ROLE_CLEARANCE, production=production) | models.Q(kind=vocab.ROLE_STUDIO_ADMIN, studio_id=production.studio_id)
        ).values("user_id")
    ).order_by("id")


def consent_flag(*, actor, consent: ConsentRecord, guild: Guild, reason: str, requests_revocation: bool = False):
    """Record a guild's flag on a consent record (or its request that the consent be revoked),
    and notify the production's clearance users; return the flag."""
    from .models import ConsentFlag

    reason = input_policy.normalized((reason or "").strip(), field="reason")
    if not reason:
        raise ValidationError({"reason": ValidationError("Say what is wrong with the record, or why it should be revoked.", code="required")})
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError({"reason": ValidationError(f"Keep the reason under {MAX_REASON_CHARS:,} characters; attach documents by reference.", code="too_long")})
    if problem := input_policy.text_problem("reason", reason):
        raise ValidationError({"reason": ValidationError(problem.message, code=problem.code)})
    what = "requests the revocation of" if requests_revocation else "flags"
    with recording(actor=actor) as rec:
        flag = ConsentFlag.objects.create(consent=consent, guild=guild, raised_by=actor, reason=reason, requests_revocation=requests_revocation)
        rec.append("consent.flagged", {"flag": flag.pk, "consent": consent.pk, "chain": str(consent.chain), "guild": guild.pk,
                                       "requests_revocation": requests_revocation, **record_commitments(flag)},
                   record=flag, production=consent.production)
        notify(users=clearance_users(consent.production), subject=f"{guild} {what} consent {consent.pk}",
               body=f"{guild}'s representative {what} consent record {consent.pk} of {consent.production}:\n\n{reason}",
               link=f"/records/consent/{consent.pk}/")
    return flag


EXPIRY_THRESHOLDS = (30, 7)


def expiry_alerts_send(*, today: datetime.date | None = None) -> int:
    """Notify the clearance users of each grant and consent whose term ends within 30 days, and
    again within 7, once each; return how many alerts were sent."""
    from .models import ExpiryNotice

    today = today or datetime.date.today()
    sent = 0
    for kind, model in (("grant", RightsGrant), ("consent", ConsentRecord)):
        ending = current_versions(model).filter(status="active", term_end__gte=today, term_end__lte=today + datetime.timedelta(days=max(EXPIRY_THRESHOLDS)))
        for record in ending.select_related("production"):
            days = (record.term_end - today).days
            threshold = min(t for t in EXPIRY_THRESHOLDS if days <= t)
            with transaction.atomic():
                _, created = ExpiryNotice.objects.get_or_create(record_type=kind, record_id=record.pk, threshold_days=threshold)
                if not created:
                    continue
                notify(users=clearance_users(record.production), subject=f"{kind.capitalize()} {record.pk} of {record.production} ends in {days} days",
                       body=f"The term of {kind} {record.pk} ends on {record.term_end}. Renew it, or plan the release window inside it.",
                       link=f"/records/{kind}/{record.pk}/")
                sent += 1
    return sent
