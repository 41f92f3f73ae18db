"""Vocabularies of the trade, defined once. Pure: no Django import."""

import pycountry

# Uses a rights grant can permit.
GRANT_USES = (
    "genai_input",  # may be fed to a generative model as an input
    "genai_training",  # may be used to train or fine-tune a model
    "digital_replica",  # may be used to make a digital replica of a person
    "edit",
    "display",
    "distribution",
)

# Release media.
MEDIA = (
    "theatrical",
    "tv",
    "svod",
    "avod",
    "tvod",
    "fast",
    "home_video",
    "airline",
    "festival",
    "trailer_promo",
    "advertising",
    "internal_review",
)

WORLD = "WORLD"
TERRITORIES = frozenset(c.alpha_2 for c in pycountry.countries)
# ISO 639-1 two-letter codes (plus a few BCP 47 regional tags are accepted by shape: en-US).
LANGUAGES = frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))

ASSET_KINDS = (
    "plate",
    "still",
    "concept_art",
    "set_design",
    "crowd_element",
    "likeness_reference",
    "audio",
    "video",
    "generated",
)
ASSET_ORIGINS = ("ingested", "generated")

PARTY_KINDS = ("rights_holder", "vendor", "agency", "estate", "performer_company", "studio")

# Consent records for a digital replica (SAG-AFTRA 2023 TV/Theatrical; CA Labor Code §927;
# NY GOL §5-302).
GRANTOR_ROLES = ("performer", "estate_representative", "union", "guardian")
REPRESENTATION = ("counsel", "collective_agreement", "none")
REPLICA_TYPES = ("employment_based", "independently_created", "background", "digital_alteration")
MODALITIES = ("face", "body", "voice", "singing", "motion")
TRAINING_PERMISSIONS = ("none", "this_production", "allowed")

# What a generation is for; consents permit and prohibit these.
GENERATION_USES = (
    "set_extension",
    "atmosphere",
    "crowd_fill",
    "likeness",
    "de_aging",
    "voice_replica",
    "dubbing",
    "stunt_double",
    "reshoot",
    "other",
)

# Training and data-mining uses a reservation (opt-out) can reserve, as in CAWG training-mining.
# The training uses are those a dataset builder asks about, and those R3 of the gate guards.
TRAINING_USES = ("ai_training", "ai_generative_training")
RESERVATION_USES = (*TRAINING_USES, "ai_inference", "data_mining")
# "lineage": carried to a generated output from its inputs, talents and production.
RESERVATION_SOURCES = ("contract", "talent_request", "guild", "embedded_c2pa", "tdmrep", "lineage")
RESERVATION_SUBJECTS = ("asset", "talent", "party", "production")

EXCLUSIVITY = ("exclusive", "non_exclusive")

# What an output's Content Credentials, readable by anyone with the file, say of where it was
# made: "neutral" (the default) names no file, shot or title; "named" gives the shot code and
# the inputs' file names.
OUTPUT_DISCLOSURES = ("neutral", "named")

RECORD_STATUSES = ("active", "revoked")
RECORD_ACTIONS = ("created", "amended", "revoked")

# Roles. Studio admins act on every production of their studio; clearance, producers and
# auditors on the productions they belong to; guild representatives on their guild's members.
ROLE_STUDIO_ADMIN = "studio_admin"
ROLE_CLEARANCE = "clearance"
ROLE_PRODUCER = "producer"
ROLE_AUDITOR = "auditor"
ROLE_GUILD_REP = "guild_rep"
ROLES = (ROLE_STUDIO_ADMIN, ROLE_CLEARANCE, ROLE_PRODUCER, ROLE_AUDITOR, ROLE_GUILD_REP)


def choices(values):
    """Return Django-style choices for a vocabulary tuple."""
    return [(v, v.replace("_", " ")) for v in values]


# On what basis a performer's personal data is erased (GDPR art. 17, CCPA §1798.105; an estate
# for a deceased performer, a guardian for a minor). A code, never free text: it is in the ledger.
ERASURE_BASES = ("performer_request", "estate_request", "guardian_request", "legal_obligation")
