"""Reads of the portal: what each page shows, composed from the apps' own selectors (the same ones
the API calls), by journey in the modules of this package. Each returns a page's template context
for a user whose access the view has already checked; none reads a stored file, except the
verification of a signed output on a cache miss (`output_credentials`)."""

from .assets import (
    FINGERPRINT_MATCHES_MAX,
    AssetPicture,
    asset_list,
    asset_page,
    asset_picture,
    asset_thumbnail,
    fingerprint_matches,
    picture_alt,
)
from .audit import production_continuity_page, shot_audit_page, shot_lineage, shot_prov_document
from .dashboards import clearance_page, no_role_page, start_page
from .decisions import ProofFileLink, output_proof_link, reasons_in_words, record_proof_link, word_decisions
from .guild import (
    flagging_guild,
    guild_consent_list,
    guild_consent_page,
    guild_consent_register,
    guild_member_page,
    guild_member_picture,
    guild_member_rows,
    guild_members,
    ledger_page,
    ledger_verification_keys,
)
from .performers import LabourActionRow, RuleSwitch, performer_rules_page
from .producer import (
    CREDENTIALS_CACHE_SECONDS,
    output_credentials,
    request_form_choices,
    request_page,
    request_preview_page,
    request_settings,
    shots_page,
)
from .records import can_change_record, entry_meaning, record_page, revocation_impact

__all__ = [
    "LabourActionRow",
    "RuleSwitch",
    "performer_rules_page",
    "AssetPicture",
    "CREDENTIALS_CACHE_SECONDS",
    "FINGERPRINT_MATCHES_MAX",
    "ProofFileLink",
    "asset_list",
    "asset_page",
    "asset_picture",
    "asset_thumbnail",
    "can_change_record",
    "clearance_page",
    "entry_meaning",
    "fingerprint_matches",
    "flagging_guild",
    "guild_consent_list",
    "guild_consent_page",
    "guild_consent_register",
    "guild_member_page",
    "guild_member_picture",
    "guild_member_rows",
    "guild_members",
    "ledger_page",
    "ledger_verification_keys",
    "output_credentials",
    "output_proof_link",
    "picture_alt",
    "reasons_in_words",
    "record_page",
    "record_proof_link",
    "request_form_choices",
    "request_page",
    "request_preview_page",
    "request_settings",
    "revocation_impact",
    "shot_audit_page",
    "production_continuity_page",
    "shot_lineage",
    "shot_prov_document",
    "shots_page",
    "start_page",
    "no_role_page",
    "word_decisions",
]
