"""Reads of the generation app, one module a journey; each name is importable from the package
(`from generation import selectors`):

- snapshot: the gate's reads, the records a request needs as of one ledger sequence number.
- requests: a request's ledger story, and the requests, shots, sign-off queue and withheld
  outputs a person may see.
- audit: what relied on a grant or consent, a shot's audit, what has been revoked since, and the
  guilds' open flags on the consents relied on.
- continuity: how performers' faces compare across outputs.
"""

from .audit import (
    consent_relied_on,
    decisions_relying_on,
    open_flags_relied_on,
    relied_consents,
    revocation_impact,
    revoked_since,
    shot_audit,
)
from .continuity import continuity_report
from .requests import (
    WITHHELD_STATUSES,
    output_file_name,
    request_entries,
    requests_for,
    shots_with_generations,
    sign_off_queue,
    withheld_output_assets,
)
from .snapshot import (
    consent_facts,
    grant_facts,
    labour_action_facts,
    ledger_head,
    reservation_facts,
    snapshot,
    talents_named_in,
)

__all__ = [
    "WITHHELD_STATUSES",
    "consent_facts",
    "consent_relied_on",
    "continuity_report",
    "decisions_relying_on",
    "grant_facts",
    "labour_action_facts",
    "ledger_head",
    "open_flags_relied_on",
    "output_file_name",
    "relied_consents",
    "request_entries",
    "requests_for",
    "reservation_facts",
    "revocation_impact",
    "revoked_since",
    "shot_audit",
    "shots_with_generations",
    "sign_off_queue",
    "snapshot",
    "talents_named_in",
    "withheld_output_assets",
]
