"""Erasing a performer's personal data on a lawful request: from their own records, their
consents and the flags on them, their likeness assets, other apps' rows (through talent_erased),
and every other field that names them (found by rightsledger.erasure, which only reads). The
ledger keeps its commitments and a tombstone."""

import re
from pathlib import PurePosixPath

from django.apps import apps
from django.db import models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from rightsledger.ledger.entry_types import EntryType

from .. import validation as v
from .. import vocab
from ..erasure import FoundField, erasure_preview, erasure_terms, mentions
from ..errors import Conflict, Errors
from ..ledger.append import recording
from ..models import (
    Asset,
    ConsentFlag,
    ConsentRecord,
    FlagReply,
    GuildMembership,
    Notification,
    Talent,
    TalentName,
)
from ..personal import ERASED, new_salt
from ..signals import talent_erased
from .consents import consent_revoke
from .records import current_versions

ERASED_CONSENT_REASON = "Withdrawn: the performer's personal data was erased."
ERASED_LIKENESS_TITLE = "Likeness reference (erased performer)"


def talent_erase(*, actor, talent: Talent, basis: str, fields: list[str] | None = None) -> Talent:
    """Erase a performer's personal data, on a lawful request: their names, aliases, external ids and member
    ids; in every version of their consents, the personal fields and the salt that lets them be confirmed;
    guild flags on those consents; through talent_erased, what other apps hold (names in prompts and in
    decisions' reasons, their face descriptors); the title and file name of their likeness assets; and
    every other text field that names them (rightsledger.erasure), those of `fields` (keys from
    erasure_preview) or, when it is None, every one found. Consents still in force are revoked first, so
    nothing can rely on them again. The ledger loses nothing: its entries hold commitments, not the text,
    and a `talent.erased` entry, naming ids and fields only, is the tombstone. All in one transaction.
    Returns the talent, erased."""
    errors = Errors()
    v.choice(errors, "basis", basis, vocab.ERASURE_BASES)
    if fields is not None and (not isinstance(fields, list) or not all(isinstance(k, str) for k in fields)):
        errors.add(
            "fields",
            "invalid",
            "Give the fields to redact as a list of keys from the erasure preview, such as "
            '"rightsledger.party:12:name".',
        )
    errors.raise_if_any()
    with recording(actor=actor) as rec:
        locked = Talent.objects.select_for_update().get(pk=talent.pk)
        if locked.erased_at is not None:
            raise Conflict(
                f"Talent {locked.pk}'s personal data was already erased on {locked.erased_at:%Y-%m-%d}.",
                code="already_erased",
            )
        terms = erasure_terms(locked)
        confirmed = _confirmed_fields(erasure_preview(locked, terms=terms), fields)
        names = sorted(
            {n for n in [locked.legal_name, locked.professional_name, *locked.aliases] if n},
            key=len,
            reverse=True,
        )
        for current in current_versions(ConsentRecord).filter(talent=locked, status="active"):
            consent_revoke(actor=actor, consent=current, reason=ERASED_CONSENT_REASON)
        now = timezone.now()
        consents = list(
            ConsentRecord.objects.filter(talent=locked).order_by("id").values_list("id", flat=True)
        )
        ConsentRecord.objects.filter(pk__in=consents).update(
            **{f: "" for f in ConsentRecord.personal_fields}, personal_salt="", erased_at=now
        )
        ConsentFlag.objects.filter(consent_id__in=consents).update(reason="", personal_salt="")
        FlagReply.objects.filter(flag__consent_id__in=consents).update(text="", personal_salt="")
        Notification.objects.filter(
            link__in=[f"/{where}/{c}/" for c in consents for where in ("records/consent", "guild/consents")]
        ).update(body="")
        TalentName.objects.filter(talent=locked).delete()
        GuildMembership.objects.filter(talent=locked).update(
            member_id=Concat(Value("erased-"), Cast("talent_id", CharField()))
        )
        Talent.objects.filter(pk=locked.pk).update(
            legal_name="", professional_name="", aliases=[], external_ids={}, personal_salt="", erased_at=now
        )
        talent_erased.send(sender=Talent, talent_id=locked.pk, names=names)
        likeness = _likeness_assets_rename(locked)
        redacted = fields_redact(found=confirmed, terms=terms)
        rec.append(
            EntryType.TALENT_ERASED,
            {
                "talent": locked.pk,
                "basis": basis,
                "consents": consents,
                "likeness_assets": likeness,
                "redacted": sorted(x.key for x in redacted),
            },
            record=locked,
        )
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
            errors.add(
                "fields",
                "erasure_field_unknown",
                f"{key[:120]} does not name this performer (or no longer does): "
                "preview the erasure again and confirm fields from its list.",
            )
        elif not by_key[key].redactable:
            errors.add(
                "fields",
                "erasure_field_not_redactable",
                f"{key} is a code of an append-only record, which cannot be changed.",
            )
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
        Asset.objects.filter(pk=asset.pk).update(
            title=ERASED_LIKENESS_TITLE, original_filename=name, personal_salt=new_salt()
        )
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
