"""Versioned records: grants, consents, reservations, roles, and other apps' (tracker links). A
record is never edited in place: each change writes a new version of its chain, with its ledger
entry, and a Kind says how one kind of record is written. record_create, record_amend and
record_revoke are the writes; each kind's module (grants, consents, reservations, roles) holds
its Kind and its per-kind wrappers."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .. import validation as v
from ..errors import Conflict, Errors
from ..ledger.append import recording
from ..ledger.entry_types import EntryType
from ..models import Production, TrainingReservation
from ..personal import record_commitments
from ..signals import record_revoked
from .documents import DOCUMENT_FIELD, UploadedDocument, document_read, document_record, document_stored


def user_or_none(actor):
    """Return the actor when it is a signed-in user (a record's created_by), else None."""
    return actor if getattr(actor, "is_authenticated", False) else None


def current_versions(model):
    """Return the current version of every chain of a versioned record (those nothing replaces)."""
    return model.objects.filter(replaced_by__isnull=True)


def _payload(record, fields, assets=None) -> dict:
    """Return the payload of a version's ledger entry: ids and fields, free text only committed to."""
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
    """How one kind of versioned record is written: its model, the fields an amendment may change,
    the check that cleans its data (raising ValidationError), and, for a kind that may be revoked
    in part, how a revocation's scope narrows its data: (data, scope) -> (data, scope, status)."""

    model: type
    amendable: set
    clean: Callable[[dict], dict]
    narrow: Callable[[dict, dict], tuple[dict, dict | None, str]] | None = None

    @property
    def name(self) -> str:
        return self.model.ledger_type

    @property
    def fields(self) -> tuple[str, ...]:
        return self.model.record_fields()

    @property
    def document_field(self) -> str | None:
        """The field that holds the SHA-256 of the record's document, which an upload sets."""
        return self.model.document_field


def record_production(record) -> Production | None:
    """Return the production a grant, consent or reservation concerns, if any (its ledger entry
    names it, and its clearance users may change it)."""
    if isinstance(record, TrainingReservation):
        return TrainingReservation.production_of_subject(record.subject)
    return getattr(record, "production", None)


def _write_version(
    kind: Kind,
    *,
    actor,
    data: dict,
    previous=None,
    action: str = "created",
    status: str = "active",
    reason: str = "",
    revocation_scope: dict | None = None,
    document: UploadedDocument | None = None,
):
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
    # The document's bytes are stored only once the record's data is clean, and its row is written
    # in the record's transaction: a refused record leaves neither behind.
    with document_stored(document), recording(actor=actor) as rec:
        if document is not None:
            document_record(document, production=clean["production"], uploaded_by=user_or_none(actor))
        try:
            with transaction.atomic():
                record = kind.model.objects.create(
                    **values, action=action, status=status, reason=reason, created_by=user_or_none(actor)
                )
        except IntegrityError as exc:
            if previous is None:
                raise
            # replaces is unique: another amendment or revocation of the same version won.
            raise Conflict(
                f"This {kind.name} was changed by someone else a moment ago; "
                "reload it and apply your change to the current version.",
                code="concurrent_change",
            ) from exc
        if assets is not None:
            record.assets.add(*assets)
        entry = rec.append(
            EntryType.for_version(kind.name, action),
            _payload(record, kind.fields, assets=assets),
            record=record,
            production=record_production(record),
        )
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
            f"Version {locked.version} of this {kind.name} was already {successor.action} "
            f"by version {successor.version} (id {successor.pk}); {verb} that one instead.",
            code="not_current_version",
        )
    if locked.status == "revoked":
        raise Conflict(
            f"This {kind.name} was already revoked on {locked.created_at:%Y-%m-%d}; it cannot be {verb}d.",
            code="already_revoked",
        )
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


def _with_document(kind: Kind, data: dict, upload) -> tuple[dict, UploadedDocument | None]:
    """Return the data with the SHA-256 of the document uploaded with it (checked from its bytes)
    in the kind's document field, and the document; the data as it is where none was uploaded."""
    if upload is None:
        return data, None
    if kind.document_field is None:
        raise ValidationError(
            {DOCUMENT_FIELD: ValidationError(f"A {kind.name} takes no document.", code="unknown_field")}
        )
    document = document_read(
        upload, hash_field=kind.document_field, given_sha256=data.get(kind.document_field) or ""
    )
    return {**data, kind.document_field: document.sha256}, document


def record_create(kind: Kind, *, actor, data: dict, document=None):
    """Record the first version of a record of the kind; return it. A document uploaded with it
    (document: an uploaded file) is stored, and its SHA-256 recorded in the kind's document field."""
    data, stored = _with_document(kind, data, document)
    return _write_version(kind, actor=actor, data=data, document=stored)


def record_amend(kind: Kind, *, actor, record, changes: dict, reason: str, document=None):
    """Amend a record of the kind by a new version, changing only its amendable fields; return it.
    The version keeps the document of the one it replaces, unless a new one is uploaded (document)."""
    unknown = set(changes) - kind.amendable
    if unknown:
        errors = Errors()
        for f in sorted(unknown):
            errors.add(
                f,
                "not_amendable",
                f"{f} cannot be amended; amendable fields: {', '.join(sorted(kind.amendable))}.",
            )
        errors.raise_if_any()
    changes, stored = _with_document(kind, changes, document)
    if not changes:
        raise ValidationError(
            {"changes": ValidationError("Give at least one field to amend.", code="required")}
        )
    reason = _reason(reason, "Say why the record is amended (for example the contract amendment it follows).")
    with transaction.atomic():
        current = _current(kind, record, verb="amend")
        data = _as_data(kind, current)
        data.update(changes)
        return _write_version(
            kind,
            actor=actor,
            data=data,
            previous=current,
            action="amended",
            reason=reason.strip(),
            document=stored,
        )


def record_revoke(kind: Kind, *, actor, record, reason: str, scope: dict | None = None):
    """Revoke a record of the kind by a new version; return it. A scope revokes only part of it,
    where the kind may be revoked in part (a consent's modalities or uses)."""
    if scope is not None and kind.narrow is None:
        raise ValidationError(
            {
                "scope": ValidationError(
                    f"A {kind.name} is revoked whole: give no scope.", code="scope_unknown"
                )
            }
        )
    reason = _reason(reason, "Say why it is revoked (for example the letter or request it follows).")
    with transaction.atomic():
        current = _current(kind, record, verb="revoke")
        data = _as_data(kind, current)
        status = "revoked"
        if scope is not None:
            data, scope, status = kind.narrow(data, scope)
        record = _write_version(
            kind,
            actor=actor,
            data=data,
            previous=current,
            action="revoked",
            status=status,
            reason=reason.strip(),
            revocation_scope=(scope or {"all": True}) if kind.narrow else None,
        )
        transaction.on_commit(
            lambda: record_revoked.send(
                sender=kind.model,
                record_type=kind.name,
                record_id=record.pk,
                chain=record.chain,
                actor_id=getattr(actor, "pk", None),
            )
        )
        return record
