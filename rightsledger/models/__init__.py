"""The rights domain: productions, shots, parties, assets, grants, talent, consent, reservations,
roles and the append-only ledger.

Grants, consents and reservations are never edited: an amendment or a revocation is a new row
(a version) that points to the one it replaces; the current version is the one nothing replaces.
Writes go through rightsledger.services, which also appends the ledger entry.
"""

from .accounts import SsoIdentity
from .assets import Asset, Document, Thumbnail, asset_upload_to, content_name, thumbnail_name
from .base import SHA256_HEX, SHOT_CODE, CommitsText
from .exports import EXPORT_STATES, ProductionExport
from .ledger import (
    Checkpoint,
    LedgerEntry,
    LedgerLeaf,
    LedgerNode,
    LedgerTile,
    TreeState,
    WitnessCosignature,
    WitnessedCheckpoint,
)
from .notices import CalendarFeed, ConsentFlag, ExpiryNotice, FlagReply, Notification
from .records import VERSION_FIELDS, ConsentRecord, RightsGrant, Role, TrainingReservation, VersionedRecord
from .registry import (
    Guild,
    GuildMembership,
    LabourAction,
    Party,
    Production,
    Shot,
    Studio,
    Talent,
    TalentName,
)
from .tokens import ApiToken

__all__ = [
    "CommitsText",
    "SHA256_HEX",
    "SHOT_CODE",
    "Studio",
    "Production",
    "Shot",
    "Party",
    "Guild",
    "Talent",
    "TalentName",
    "GuildMembership",
    "LabourAction",
    "content_name",
    "asset_upload_to",
    "Asset",
    "Document",
    "Thumbnail",
    "thumbnail_name",
    "VersionedRecord",
    "RightsGrant",
    "ConsentRecord",
    "TrainingReservation",
    "Role",
    "VERSION_FIELDS",
    "LedgerEntry",
    "LedgerLeaf",
    "LedgerNode",
    "TreeState",
    "WitnessCosignature",
    "Checkpoint",
    "WitnessedCheckpoint",
    "LedgerTile",
    "ConsentFlag",
    "FlagReply",
    "Notification",
    "ExpiryNotice",
    "CalendarFeed",
    "ApiToken",
    "EXPORT_STATES",
    "ProductionExport",
    "SsoIdentity",
]
