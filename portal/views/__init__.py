"""The portal's pages, one module a journey as templates/ is split: public (the start page and
verifying a file), producer, clearance, records (grants, consents, reservations), audit and
guild. Each view parses, checks access (rightsledger.access), calls one selector (portal.selectors,
composed from the apps' own) or service (the same ones the API calls), and renders. A page of a
production the user cannot see answers 404; a form shows the service's own messages next to the
field they name. The views are re-exported here for portal.urls."""

from .audit import shot_audit, shot_audit_csv, shot_audit_pdf, shot_audit_prov
from .clearance import (
    asset_detail,
    assets,
    clearance,
    notifications_read,
    request_sign_off,
)
from .guild import guild_consent, guild_consents, guild_flag
from .producer import (
    output_file,
    productions,
    request_detail,
    request_new,
    request_preview,
    request_queue,
    request_status,
    shots,
    timeline,
    timeline_export,
)
from .public import home, verify_page
from .records import record_amend, record_detail, record_new, record_revoke

__all__ = [
    "asset_detail",
    "assets",
    "clearance",
    "guild_consent",
    "guild_consents",
    "guild_flag",
    "home",
    "notifications_read",
    "output_file",
    "productions",
    "record_amend",
    "record_detail",
    "record_new",
    "record_revoke",
    "request_detail",
    "request_new",
    "request_preview",
    "request_queue",
    "request_sign_off",
    "request_status",
    "shot_audit",
    "shot_audit_csv",
    "shot_audit_pdf",
    "shot_audit_prov",
    "shots",
    "timeline",
    "timeline_export",
    "verify_page",
]
