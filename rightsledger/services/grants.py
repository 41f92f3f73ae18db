"""Rights grants: what a grant from a contract takes (its avails: media, territories, languages
and a term, which consents take too), and its writes."""

from .. import validation as v
from .. import vocab
from ..errors import Errors
from ..models import RightsGrant
from .records import Kind, record_amend, record_create, record_revoke

GRANT_AMENDABLE = set(RightsGrant.record_fields()) - {"production"}


def clean_avails(errors: Errors, data: dict) -> dict:
    """Check what grants and consents both cover: media, territories, languages and a term."""
    out = {"media": v.listed(errors, "media", data.get("media"), vocab.MEDIA, what="medium")}
    out["territories"], out["territory_exclusions"] = v.territories(
        errors, data.get("territories"), data.get("territory_exclusions")
    )
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
        errors.add(
            "grantor", "grantor_other_studio", "The grantor must be a party of this production's studio."
        )
    assets = list(dict.fromkeys(data.get("assets") or []))  # each once: the entry lists what the grant covers
    if not assets:
        errors.add("assets", "required", "Give at least one asset the grant covers.")
    if production is not None:
        v.assets_in_production(errors, "assets", assets, production.pk)
    out["assets"] = assets
    out["uses"] = v.listed(errors, "uses", data.get("uses"), vocab.GRANT_USES, what="use")
    out.update(clean_avails(errors, data))
    out["exclusivity"] = v.choice(
        errors, "exclusivity", data.get("exclusivity") or "non_exclusive", vocab.EXCLUSIVITY
    )
    out["contract_sha256"] = v.document_sha256(
        errors, "contract_sha256", data.get("contract_sha256"), what="the signed contract"
    )
    out["restrictions"] = v.text(errors, "restrictions", data.get("restrictions"))
    out["requires_review"] = bool(data.get("requires_review", False))
    errors.raise_if_any()
    return out


GRANT = Kind(RightsGrant, GRANT_AMENDABLE, _clean_grant)


# The writes by kind, as the portal, the demo and other apps call them (grant=...); the API reads
# rightsledger.api.records, which calls record_amend and record_revoke.


def grant_create(*, actor, document=None, **fields) -> RightsGrant:
    """Record a rights grant from a contract (document: the contract's file, which sets
    contract_sha256); return its first version."""
    return record_create(GRANT, actor=actor, data=fields, document=document)


def grant_amend(*, actor, grant: RightsGrant, changes: dict, reason: str, document=None) -> RightsGrant:
    """Amend a grant by a new version (document: a new contract's file); return it."""
    return record_amend(GRANT, actor=actor, record=grant, changes=changes, reason=reason, document=document)


def grant_revoke(*, actor, grant: RightsGrant, reason: str) -> RightsGrant:
    """Revoke a grant by a new version; return it."""
    return record_revoke(GRANT, actor=actor, record=grant, reason=reason)
