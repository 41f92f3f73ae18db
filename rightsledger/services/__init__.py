"""Every write of the rights domain. Each one validates, then writes the record and its ledger
entry inside one `recording()` block (one transaction), and is the only way to make that write.
Callers check access first (rightsledger.access); services assume the actor may act.

One module a journey, as rightsledger.ledger is split:

- registry: studios, productions, shots, parties, guilds.
- performers: the 2026 performer rules a production applies, and unions' labour actions.
- talent: registering a performer and indexing their names.
- erasure: erasing a performer's personal data.
- roles: who may do what, and where.
- sso: the account a person reaches through the studio's OpenID Connect provider (no role).
- assets: registering a file, stored by its SHA-256 (its bytes checked by rightsledger.media).
- storage: the content-addressed storage of assets' and documents' bytes.
- documents: a grant's contract or a consent's signed form, stored with its record.
- records: versioned records (a Kind, record_create, record_amend, record_revoke).
- grants, consents, reservations: each kind of versioned record, and its writes by kind.
- notices: guilds' flags, notifications, expiry alerts.
- flags: clearance's replies to a flag, and its resolution (these check access themselves, since
  a reply goes to a guild outside the studio).
- calendars: a user's iCalendar feed of terms ending (its token).
- tokens: API tokens for machines (named, scoped, expiring; kept as their hash).
- thumbnails: an asset's small picture, made once (not a fact of the ledger).
- exports: a production's audit export job (no ledger entry: it copies what the ledger holds).

Callers import from here (`from rightsledger import services`); the names below are the public
ones. The registry of record kinds that the API and the portal read is rightsledger.api.records.
"""

from ..media import inspect_upload
from .assets import asset_register
from .calendars import calendar_feed_renew, calendar_feed_revoke, calendar_token_hash
from .consents import (
    CONSENT,
    consent_amend,
    consent_create,
    consent_revoke,
)
from .erasure import (
    ERASED_CONSENT_REASON,
    ERASED_LIKENESS_TITLE,
    fields_redact,
    talent_erase,
)
from .exports import (
    production_export_create,
    production_export_fail,
    production_export_finish,
    production_export_progress,
)
from .flags import flag_reply, flag_resolve
from .grants import GRANT, grant_amend, grant_create, grant_revoke
from .notices import (
    EXPIRY_THRESHOLDS,
    MAX_REASON_CHARS,
    clearance_users,
    consent_flag,
    expiry_alerts_send,
    notifications_read,
    notify,
)
from .performers import (
    labour_action_end,
    labour_action_record,
    production_performer_rule_switch,
    production_performer_rules_set,
)
from .records import (
    Kind,
    current_versions,
    record_amend,
    record_create,
    record_production,
    record_revoke,
)
from .registry import (
    guild_create,
    party_create,
    production_create,
    production_guild_pictures_set,
    production_label_set,
    shot_create,
    shot_update,
    studio_create,
)
from .reservations import (
    RESERVATION,
    reservation_amend,
    reservation_create,
    reservation_revoke,
)
from .roles import ROLE, ROLE_SCOPES, role_grant, role_revoke
from .sso import sso_sign_in
from .storage import content_unstore_unless_used, store_content
from .talent import talent_create
from .thumbnails import assets_without_thumbnail, thumbnail_make, thumbnails_backfill
from .tokens import api_token_create, api_token_revoke, api_token_used, legacy_token_revoke

__all__ = [
    "sso_sign_in",
    "api_token_create",
    "api_token_revoke",
    "api_token_used",
    "legacy_token_revoke",
    "calendar_feed_renew",
    "calendar_feed_revoke",
    "calendar_token_hash",
    "CONSENT",
    "ERASED_CONSENT_REASON",
    "ERASED_LIKENESS_TITLE",
    "EXPIRY_THRESHOLDS",
    "GRANT",
    "MAX_REASON_CHARS",
    "RESERVATION",
    "ROLE",
    "ROLE_SCOPES",
    "Kind",
    "asset_register",
    "assets_without_thumbnail",
    "clearance_users",
    "consent_amend",
    "consent_create",
    "consent_flag",
    "consent_revoke",
    "content_unstore_unless_used",
    "current_versions",
    "expiry_alerts_send",
    "fields_redact",
    "flag_reply",
    "flag_resolve",
    "grant_amend",
    "grant_create",
    "grant_revoke",
    "production_export_create",
    "production_export_fail",
    "production_export_finish",
    "production_export_progress",
    "guild_create",
    "inspect_upload",
    "notifications_read",
    "notify",
    "party_create",
    "production_create",
    "production_guild_pictures_set",
    "production_label_set",
    "production_performer_rules_set",
    "production_performer_rule_switch",
    "labour_action_end",
    "labour_action_record",
    "record_amend",
    "record_create",
    "record_production",
    "record_revoke",
    "reservation_amend",
    "reservation_create",
    "reservation_revoke",
    "role_grant",
    "role_revoke",
    "shot_create",
    "shot_update",
    "store_content",
    "studio_create",
    "talent_create",
    "talent_erase",
    "thumbnail_make",
    "thumbnails_backfill",
]
