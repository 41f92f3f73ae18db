"""Every kind of ledger entry, in one place.

The recorder refuses an entry whose type is not listed here, so a new kind of entry is added here
first, with the sentence that says what it records. `docs/ledger.md` lists the same types, and a
test keeps the two equal.
"""

from enum import StrEnum


class EntryType(StrEnum):
    """A ledger entry's type: `<record>.<what happened>`."""

    def __new__(cls, value: str, meaning: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    STUDIO_CREATED = "studio.created", "A studio was set up."
    PRODUCTION_CREATED = "production.created", "A production was set up under a studio."
    PRODUCTION_GUILD_PICTURES_SET = (
        "production.guild_pictures_set",
        "A production let its performers' guilds see, or stopped them seeing, the pictures of outputs "
        "showing their members.",
    )
    PRODUCTION_LABEL_SET = (
        "production.label_set",
        "A production's visible label on its outputs was switched on, changed or switched off.",
    )
    PRODUCTION_PERFORMER_RULES_SET = (
        "production.performer_rules_set",
        "A production switched the 2026 performer rules it applies on or off.",
    )
    LABOUR_ACTION_RECORDED = (
        "labour_action.recorded",
        "A union's labour action against a production was recorded as in force.",
    )
    LABOUR_ACTION_ENDED = "labour_action.ended", "A union's labour action against a production ended."
    SHOT_CREATED = "shot.created", "A shot was added to a production."
    SHOT_UPDATED = "shot.updated", "A shot's placement or description changed, with the reason."
    PARTY_CREATED = "party.created", "A rights holder (a party) was registered."
    GUILD_CREATED = "guild.created", "A guild was registered."
    TALENT_REGISTERED = "talent.registered", "A performer was registered, with the guilds they belong to."
    TALENT_ERASED = "talent.erased", "A performer's personal data was erased; their consents were withdrawn."
    ROLE_CREATED = "role.created", "A user was given a role (clearance, producer, guild, ...)."
    ROLE_REVOKED = "role.revoked", "A role was taken away, with the reason."
    GRANT_CREATED = "grant.created", "A rights grant was recorded."
    GRANT_AMENDED = "grant.amended", "A rights grant was amended; the entry holds its new version."
    GRANT_REVOKED = "grant.revoked", "A rights grant was revoked."
    CONSENT_CREATED = "consent.created", "A performer's consent was recorded."
    CONSENT_AMENDED = "consent.amended", "A consent was amended; the entry holds its new version."
    CONSENT_REVOKED = "consent.revoked", "A consent was withdrawn, in whole or in part."
    CONSENT_FLAGGED = "consent.flagged", "A guild flagged a consent, perhaps asking for its revocation."
    CONSENT_FLAG_ANSWERED = "consent.flag_answered", "Clearance replied to a guild's flag on a consent."
    CONSENT_FLAG_RESOLVED = (
        "consent.flag_resolved",
        "Clearance resolved a guild's flag on a consent: revoked, amended or no change, and why.",
    )
    RESERVATION_CREATED = "reservation.created", "A training reservation (an opt-out) was recorded."
    RESERVATION_AMENDED = "reservation.amended", "A training reservation was amended."
    RESERVATION_REVOKED = "reservation.revoked", "A training reservation was withdrawn."
    TRACKER_LINK_CREATED = (
        "tracker_link.created",
        "A shot or production was linked to its entity in a tracker (Kitsu).",
    )
    TRACKER_LINK_AMENDED = (
        "tracker_link.amended",
        "A tracker link now names another entity, or the entity was renamed.",
    )
    ASSET_REGISTERED = "asset.registered", "A file was registered, by its SHA-256."
    WITNESS_REGISTERED = "witness.registered", "A guild's witness of a checkpoint was recorded."
    GUILD_WITNESS_KEY_SET = "guild.witness_key_set", "A guild named the key of the C2SP witness it runs."
    SIGNING_IDENTITY_REGISTERED = "signing.identity_registered", "A C2PA signing identity was registered."
    GENERATION_REQUESTED = "generation.requested", "A producer asked for a generation."
    GENERATION_DECIDED = "generation.decided", "The gate decided a request, with its reasons."
    GENERATION_RECHECKED = "generation.rechecked", "The gate checked a request again just before running it."
    GENERATION_HELD = "generation.held", "An output was held back: the likeness check found a performer."
    GENERATION_SIGNED_OFF = "generation.signed_off", "Clearance approved or refused a request."
    GENERATION_QUEUED = "generation.queued", "A request was queued to run."
    GENERATION_RETRIED = "generation.retried", "A failed request was queued again."
    GENERATION_STARTED = "generation.started", "A worker started a request's run."
    GENERATION_STOPPED = "generation.stopped", "A run stopped because the check before it refused."
    GENERATION_FAILED = "generation.failed", "A run failed (engine error, or its worker was lost)."
    GENERATION_OUTPUT_RECORDED = "generation.output_recorded", "A run's signed output was stored."
    GENERATION_DISCLOSURE_DECIDED = (
        "generation.disclosure_decided",
        "An output's disclosure position under Art. 50 was recorded: by default when it was kept, "
        "or by clearance.",
    )
    PROVENANCE_OUTPUT_SIGNED = "provenance.output_signed", "An output was signed with Content Credentials."
    PROVENANCE_LINEAGE_RECORDED = (
        "provenance.lineage_recorded",
        "An output's inputs were recorded as its lineage.",
    )
    PROVENANCE_CREDENTIALS_READ = (
        "provenance.credentials_read",
        "A registered file's own C2PA manifest was read.",
    )

    @classmethod
    def for_version(cls, record_type: str, action: str) -> "EntryType":
        """The entry type of a versioned record's write (`grant` and `amended` give grant.amended)."""
        return cls(f"{record_type}.{action}")


ENTRY_TYPES = frozenset(EntryType)
