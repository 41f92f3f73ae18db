"""Performers' consents: what a consent takes (who gave it, for which replica, modalities and uses,
its avails and evidence), how a revocation may take back only some modalities or uses, and its
writes."""

import datetime

from .. import validation as v
from .. import vocab
from ..errors import Errors
from ..models import ConsentRecord, Production, Shot, Talent
from .grants import clean_avails
from .records import Kind, record_amend, record_create, record_revoke

CONSENT_AMENDABLE = set(ConsentRecord.record_fields()) - {"talent", "production"}


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
    out["training_permission"] = v.choice(
        errors, "training_permission", data.get("training_permission") or "none", vocab.TRAINING_PERMISSIONS
    )
    out["modalities"] = v.listed(
        errors, "modalities", data.get("modalities"), vocab.MODALITIES, what="modality"
    )
    out["intended_use_description"] = v.use_description(errors, data.get("intended_use_description"))
    out["permitted_uses"] = v.listed(
        errors, "permitted_uses", data.get("permitted_uses"), vocab.GENERATION_USES, what="use"
    )
    out["prohibited_uses"] = v.listed(
        errors,
        "prohibited_uses",
        data.get("prohibited_uses"),
        vocab.GENERATION_USES,
        required=False,
        what="use",
    )
    both = set(out["permitted_uses"]) & set(out["prohibited_uses"])
    if both:
        errors.add(
            "prohibited_uses",
            "use_both_permitted_and_prohibited",
            f"{', '.join(sorted(both))} cannot be both permitted and prohibited.",
        )
    out.update(clean_avails(errors, data))
    out["evidence_sha256"] = v.document_sha256(
        errors, "evidence_sha256", data.get("evidence_sha256"), what="the signed consent form"
    )
    out["prohibited_uses_note"] = v.text(errors, "prohibited_uses_note", data.get("prohibited_uses_note"))
    out["compensation_reference"] = v.text(
        errors, "compensation_reference", data.get("compensation_reference"), limit=200
    )
    out["residual_terms_reference"] = v.text(
        errors, "residual_terms_reference", data.get("residual_terms_reference"), limit=200
    )
    out["capture_business_reason"] = v.text(
        errors, "capture_business_reason", data.get("capture_business_reason")
    )
    shots = [str(s) for s in (data.get("permitted_shots") or [])]
    if len(shots) > v.MAX_ITEMS or len(data.get("permitted_scenes") or []) > v.MAX_ITEMS:
        errors.add(
            "permitted_shots",
            "too_many",
            f"List at most {v.MAX_ITEMS} shots and {v.MAX_ITEMS} scenes; an empty list means every shot.",
        )
        shots = []
    if shots and production is not None:
        known = set(Shot.objects.filter(production=production, code__in=shots).values_list("code", flat=True))
        unknown = [s for s in shots if s not in known]
        if unknown:
            errors.add(
                "permitted_shots",
                "shot_unknown",
                f"No shot {', '.join(unknown)} in this production: "
                "create the shots first, or check the codes.",
            )
    out["permitted_shots"] = sorted(set(shots))
    out["permitted_scenes"] = list(dict.fromkeys(str(s) for s in (data.get("permitted_scenes") or [])))
    if talent is not None and role in vocab.GRANTOR_ROLES:
        if talent.is_deceased and role not in ("estate_representative", "union"):
            errors.add(
                "grantor_role",
                "deceased_needs_estate",
                "The performer is deceased: consent must come from the estate's "
                "representative, or the union where no representative can be found.",
            )
        if talent.is_minor and role != "guardian":
            errors.add(
                "grantor_role",
                "minor_needs_guardian",
                "The performer is a minor: consent must come from a parent or legal guardian.",
            )
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


def _consent_scope(data: dict, scope: dict) -> tuple[dict, dict | None, str]:
    """Apply a partial revocation's scope to a consent's data; return (data, scope, status). A
    scope that would leave nothing is a revocation of the whole consent."""
    errors = Errors()
    removed = {}
    remaining = dict(data)
    for f, allowed in (("modalities", vocab.MODALITIES), ("permitted_uses", vocab.GENERATION_USES)):
        values = v.listed(
            errors,
            f"scope.{f}",
            scope.get(f),
            allowed,
            required=False,
            what=f[:-1] if f == "modalities" else "use",
        )
        not_held = sorted(set(values) - set(data[f]))
        if not_held:
            errors.add(
                f"scope.{f}",
                "not_in_consent",
                f"{', '.join(not_held)} {'is' if len(not_held) == 1 else 'are'} "
                "not in the consent, so cannot be revoked.",
            )
        if values:
            removed[f] = values
            remaining[f] = [x for x in data[f] if x not in values]
    unknown = set(scope) - {"modalities", "permitted_uses"}
    if unknown:
        errors.add(
            "scope",
            "scope_unknown",
            "A revocation can be scoped by modalities and "
            f"permitted_uses only, not {', '.join(sorted(unknown))}.",
        )
    if not removed and not errors:
        errors.add(
            "scope",
            "scope_empty",
            "Give the modalities or permitted uses to revoke, or no scope to revoke everything.",
        )
    errors.raise_if_any()
    if remaining["modalities"] and remaining["permitted_uses"]:
        return remaining, removed, "active"
    return data, None, "revoked"


CONSENT = Kind(ConsentRecord, CONSENT_AMENDABLE, _clean_consent, narrow=_consent_scope)


# The writes by kind, as the portal, the demo and other apps call them (consent=...).


def consent_create(*, actor, document=None, **fields) -> ConsentRecord:
    """Record a performer's consent (document: the signed form's file, which sets evidence_sha256);
    return its first version."""
    return record_create(CONSENT, actor=actor, data=fields, document=document)


def consent_amend(
    *, actor, consent: ConsentRecord, changes: dict, reason: str, document=None
) -> ConsentRecord:
    """Amend a consent by a new version (document: a new signed form's file); return it."""
    return record_amend(
        CONSENT, actor=actor, record=consent, changes=changes, reason=reason, document=document
    )


def consent_revoke(*, actor, consent: ConsentRecord, reason: str, scope: dict | None = None) -> ConsentRecord:
    """Revoke a consent wholly, or only some modalities or uses (scope), by a new version; return it."""
    return record_revoke(CONSENT, actor=actor, record=consent, reason=reason, scope=scope)
