"""Vocabularies of the trade, defined once, each with its labels: the words a page, a CSV or a PDF
shows for a code (PORTAL.md). A label reads in a table ("Input to AI generation"); where a code
reads differently inside a sentence, PHRASES says how ("as an input to AI generation").
rightsledger.words turns them into prose. Pure: no Django import."""

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
    "synthetic_performer",  # a performer made by the engine, who is no real person
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

# The 2026 performer rules (SAG-AFTRA 2026 TV/Theatrical; New York's synthetic performer
# disclosure in advertising), each switched on per production. The gate's rule of each is named.
PERFORMER_RULES = (
    "scan_business_reason",  # R7
    "synthetic_performer_justified",  # R8
    "minor_sign_off",  # R9
    "compensation_terms",  # R10
    "advertising_disclosure",  # R11
    "labour_action",  # R12
)
# Media whose release is an advertisement, for the advertising disclosure (New York, June 2026).
ADVERTISING_MEDIA = ("advertising", "trailer_promo")

# What an output's Content Credentials, readable by anyone with the file, say of where it was
# made: "neutral" (the default) names no file, shot or title; "named" gives the shot code and
# the inputs' file names.
OUTPUT_DISCLOSURES = ("neutral", "named")
# An output's position under Art. 50 of the EU AI Act: a realistic depiction of a real person or
# event (a deepfake under Art. 50(4)), an evidently artistic, creative or fictional work (the
# lighter disclosure, in the credits), or neither.
DISCLOSURE_POSITIONS = ("deepfake", "artistic", "not_applicable")
# Why a position was taken: by default, from the output's likeness input or the likeness check's
# hold, or as the production's work; or by a clearance user's decision.
DISCLOSURE_BASES = ("likeness_input", "likeness_held", "creative_work", "decided")
# Where a production's visible label sits on its outputs.
LABEL_CORNERS = ("bottom_right", "bottom_left", "top_right", "top_left")

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

# What an API token for a machine may do, within its user's roles (rightsledger.apitokens).
TOKEN_SCOPE_READ_ONLY = "read_only"  # reads only (GET, HEAD, OPTIONS), and questions that write nothing
TOKEN_SCOPE_TRAINING_CLEARANCE = "training_clearance"  # only training clearance and C2PA resolution
TOKEN_SCOPE_FULL = "full_roles"  # everything its user's roles allow
TOKEN_SCOPES = (TOKEN_SCOPE_READ_ONLY, TOKEN_SCOPE_TRAINING_CLEARANCE, TOKEN_SCOPE_FULL)


def choices(values):
    """Return Django-style choices for a vocabulary tuple."""
    return [(v, v.replace("_", " ")) for v in values]


# On what basis a performer's personal data is erased (GDPR art. 17, CCPA §1798.105; an estate
# for a deceased performer, a guardian for a minor). A code, never free text: it is in the ledger.
ERASURE_BASES = ("performer_request", "estate_request", "guardian_request", "legal_obligation")


# --- Labels ------------------------------------------------------------------------------------
# One dict per vocabulary, keyed by code: what a table shows. tests/rightsledger/test_words.py
# checks that every code of every vocabulary above has one.

GRANT_USE_LABELS = {
    "genai_input": "Input to AI generation",
    "genai_training": "Training AI models",
    "digital_replica": "Digital replica",
    "edit": "Editing",
    "display": "Display",
    "distribution": "Distribution",
}
MEDIA_LABELS = {
    "theatrical": "theatrical",
    "tv": "television",
    "svod": "SVOD",
    "avod": "AVOD",
    "tvod": "TVOD",
    "fast": "FAST channels",
    "home_video": "home video",
    "airline": "airline",
    "festival": "festival",
    "trailer_promo": "trailers and promotion",
    "advertising": "advertising",
    "internal_review": "internal review",
}
ASSET_KIND_LABELS = {
    "plate": "plate",
    "still": "still",
    "concept_art": "concept art",
    "set_design": "set design",
    "crowd_element": "crowd element",
    "likeness_reference": "likeness reference",
    "audio": "audio",
    "video": "video",
    "generated": "generated output",
}
ASSET_ORIGIN_LABELS = {"ingested": "registered here", "generated": "generated here"}
PARTY_KIND_LABELS = {
    "rights_holder": "rights holder",
    "vendor": "vendor",
    "agency": "agency",
    "estate": "estate",
    "performer_company": "performer's company",
    "studio": "studio",
}
GRANTOR_ROLE_LABELS = {
    "performer": "the performer",
    "estate_representative": "the estate's representative",
    "union": "the union",
    "guardian": "a guardian",
}
REPRESENTATION_LABELS = {
    "counsel": "represented by counsel",
    "collective_agreement": "under the collective agreement",
    "none": "without representation",
}
REPLICA_TYPE_LABELS = {
    "employment_based": "employment-based replica",
    "independently_created": "independently created replica",
    "background": "background replica",
    "digital_alteration": "digital alteration",
}
MODALITY_LABELS = {
    "face": "face",
    "body": "body",
    "voice": "voice",
    "singing": "singing voice",
    "motion": "motion",
}
TRAINING_PERMISSION_LABELS = {
    "none": "no AI training",
    "this_production": "AI training for this production only",
    "allowed": "AI training allowed",
}
GENERATION_USE_LABELS = {
    "set_extension": "set extension",
    "atmosphere": "atmosphere",
    "crowd_fill": "crowd fill",
    "likeness": "likeness",
    "de_aging": "de-ageing",
    "voice_replica": "voice replica",
    "dubbing": "dubbing",
    "stunt_double": "stunt double",
    "reshoot": "reshoot",
    "synthetic_performer": "synthetic performer",
    "other": "other use",
}
PERFORMER_RULE_LABELS = {
    "scan_business_reason": "A scan or likeness capture needs a business reason on the consent",
    "synthetic_performer_justified": "A synthetic performer needs a justification and a clearance sign-off",
    "minor_sign_off": "Every use of a minor's likeness needs its own clearance sign-off",
    "compensation_terms": "A consent records its compensation and residual terms",
    "advertising_disclosure": "Advertising with a synthetic performer or a digital replica is disclosed",
    "labour_action": "No digital replica of a striking union's members during a labour action",
}
# What each performer rule asks of a request and what it refuses or holds, as a producer reads it
# (the portal's performer rules page; the gate's own reasons are in generation/policy/performers.py).
PERFORMER_RULE_MEANINGS = {
    "scan_business_reason": (
        "A consent for a digital replica made from a scan or capture on the job must say, in a sentence, "
        "why the production needs the scan.",
        "Refuses a request that relies on such a consent without that reason.",
    ),
    "synthetic_performer_justified": (
        "A request for a synthetic performer (the engine's synthetic performer setting, or that intended "
        "use) must say why one is used rather than a performer.",
        "Refuses the request without a justification; with one, holds it for a clearance sign-off.",
    ),
    "minor_sign_off": (
        "Every use of a minor's likeness is signed off on its own by clearance, beyond the guardian's "
        "consent.",
        "Holds every request that shows a minor until someone in clearance other than the requester "
        "signs it off.",
    ),
    "compensation_terms": (
        "A consent relied on names where its compensation and residual terms are set out (a contract or "
        "a deal memo). Producers see only that they are on record; clearance and the guild read them.",
        "Refuses a request that relies on a consent without both terms on record.",
    ),
    "advertising_disclosure": (
        "An advertisement or a trailer that shows a synthetic performer or a digital replica discloses "
        "it (New York, from June 2026); the requester acknowledges this on the request.",
        "Refuses such a request until the disclosure is acknowledged.",
    ),
    "labour_action": (
        "While a union's labour action against the production is in force, none of its members' digital "
        "replicas is used.",
        "Refuses a request that shows or names a member of a union on strike, until the action ends.",
    ),
}
RESERVATION_USE_LABELS = {
    "ai_training": "AI training",
    "ai_generative_training": "training generative AI",
    "ai_inference": "AI inference",
    "data_mining": "data mining",
}
RESERVATION_SOURCE_LABELS = {
    "contract": "a contract",
    "talent_request": "the performer's request",
    "guild": "the guild",
    "embedded_c2pa": "the file's Content Credentials",
    "tdmrep": "a TDMRep reservation",
    "lineage": "the inputs it was made from",
}
RESERVATION_SUBJECT_LABELS = {
    "asset": "asset",
    "talent": "performer",
    "party": "party",
    "production": "production",
}
EXCLUSIVITY_LABELS = {"exclusive": "Exclusive", "non_exclusive": "Not exclusive"}
OUTPUT_DISCLOSURE_LABELS = {
    "neutral": "names no file, shot or title",
    "named": "names the shot and the inputs' files",
}
DISCLOSURE_POSITION_LABELS = {
    "deepfake": "a realistic depiction of a real person or event: disclosure required",
    "artistic": "evidently artistic, creative or fictional: disclosed in the credits",
    "not_applicable": "no disclosure applies",
}
DISCLOSURE_BASIS_LABELS = {
    "likeness_input": "made with a performer's likeness as an input",
    "likeness_held": "the likeness check found a performer in it",
    "creative_work": "part of the production's creative work, with no likeness used or found",
    "decided": "decided by clearance",
}
LABEL_CORNER_LABELS = {
    "bottom_right": "bottom right",
    "bottom_left": "bottom left",
    "top_right": "top right",
    "top_left": "top left",
}
RECORD_STATUS_LABELS = {"active": "Active", "revoked": "Revoked"}
RECORD_ACTION_LABELS = {"created": "recorded", "amended": "amended", "revoked": "revoked"}
ROLE_LABELS = {
    ROLE_STUDIO_ADMIN: "studio admin",
    ROLE_CLEARANCE: "clearance",
    ROLE_PRODUCER: "producer",
    ROLE_AUDITOR: "auditor",
    ROLE_GUILD_REP: "guild representative",
}
TOKEN_SCOPE_LABELS = {
    TOKEN_SCOPE_READ_ONLY: "Read only",
    TOKEN_SCOPE_TRAINING_CLEARANCE: "Training clearance only",
    TOKEN_SCOPE_FULL: "Everything its user may do",
}
ERASURE_BASIS_LABELS = {
    "performer_request": "the performer's request",
    "estate_request": "the estate's request",
    "guardian_request": "a guardian's request",
    "legal_obligation": "a legal obligation",
}
# The generation app's vocabularies (generation.models), worded here so that one module owns the
# words of every page and export; generation imports this module, never the other way round.
REQUEST_STATUS_LABELS = {
    "refused": "Refused",
    "needs_clearance": "Needs sign-off",
    "approved": "Approved",
    "queued": "Queued",
    "running": "Running",
    "succeeded": "Succeeded",
    "stopped": "Stopped",
    "failed": "Failed",
    "held": "Held",
}
OUTCOME_LABELS = {
    "approved": "Approved",
    "refused": "Refused",
    "needs_clearance": "Needs a clearance sign-off",
    "pass": "passes",
}
DECISION_KIND_LABELS = {
    "gate": "the gate",
    "run_check": "the check before the run",
    "likeness_check": "the likeness check",
}
INPUT_ROLE_LABELS = {
    "plate": "plate",
    "reference": "reference",
    "element": "element",
    "likeness": "likeness",
    "style": "style reference",
}
MATCH_METHOD_LABELS = {
    "registered": "chosen from the registry",
    "sha256": "matched by its exact bytes",
    "fingerprint": "matched by its fingerprint",
    "unregistered": "not registered",
}
ENGINE_LABELS = {
    "set_extension": "Set extension",
    "atmosphere": "Atmosphere",
    "crowd_fill": "Crowd fill",
    "clip": "Clip",
}
# Content Credentials (C2PA) terms.
INGREDIENT_RELATIONSHIP_LABELS = {
    "parentOf": "made from it",
    "componentOf": "a part of it",
    "inputTo": "used as an input",
}
TRAINING_MINING_LABELS = {
    "c2pa.ai_training": "AI training",
    "c2pa.ai_generative_training": "training generative AI",
    "c2pa.ai_inference": "AI inference",
    "c2pa.data_mining": "data mining",
    "cawg.ai_training": "AI training",
    "cawg.ai_generative_training": "training generative AI",
    "cawg.ai_inference": "AI inference",
    "cawg.data_mining": "data mining",
    **RESERVATION_USE_LABELS,
}
TRAINING_MINING_VERDICTS = {
    "notAllowed": "may not be used for",
    "allowed": "may be used for",
    "constrained": "may be used, with conditions, for",
}

# Sentence forms, where a code reads differently inside a sentence than in a table.
PHRASES = {
    "genai_input": "as an input to AI generation",
    "genai_training": "to train AI models",
    "digital_replica": "to make a digital replica",
    "edit": "in editing",
    "display": "for display",
    "distribution": "in distribution",
    "exclusive": "exclusively",
    "non_exclusive": "not exclusively",
}

# Every vocabulary with its labels, by name. A code that is in two vocabularies ("none", "plate",
# "likeness", "generated") is looked up in the one the caller names; LABELS says the first.
VOCABULARY_LABELS = {
    "grant_uses": GRANT_USE_LABELS,
    "media": MEDIA_LABELS,
    "asset_kinds": ASSET_KIND_LABELS,
    "asset_origins": ASSET_ORIGIN_LABELS,
    "party_kinds": PARTY_KIND_LABELS,
    "grantor_roles": GRANTOR_ROLE_LABELS,
    "representation": REPRESENTATION_LABELS,
    "replica_types": REPLICA_TYPE_LABELS,
    "modalities": MODALITY_LABELS,
    "training_permissions": TRAINING_PERMISSION_LABELS,
    "generation_uses": GENERATION_USE_LABELS,
    "reservation_uses": RESERVATION_USE_LABELS,
    "reservation_sources": RESERVATION_SOURCE_LABELS,
    "reservation_subjects": RESERVATION_SUBJECT_LABELS,
    "exclusivity": EXCLUSIVITY_LABELS,
    "output_disclosures": OUTPUT_DISCLOSURE_LABELS,
    "disclosure_positions": DISCLOSURE_POSITION_LABELS,
    "disclosure_bases": DISCLOSURE_BASIS_LABELS,
    "label_corners": LABEL_CORNER_LABELS,
    "record_statuses": RECORD_STATUS_LABELS,
    "record_actions": RECORD_ACTION_LABELS,
    "roles": ROLE_LABELS,
    "token_scopes": TOKEN_SCOPE_LABELS,
    "erasure_bases": ERASURE_BASIS_LABELS,
    "request_statuses": REQUEST_STATUS_LABELS,
    "outcomes": OUTCOME_LABELS,
    "decision_kinds": DECISION_KIND_LABELS,
    "input_roles": INPUT_ROLE_LABELS,
    "match_methods": MATCH_METHOD_LABELS,
    "engines": ENGINE_LABELS,
    "relationships": INGREDIENT_RELATIONSHIP_LABELS,
    "training_mining": TRAINING_MINING_LABELS,
    "performer_rules": PERFORMER_RULE_LABELS,
}
# The vocabularies themselves by the same names, for a form that offers a tuple's codes.
VOCABULARIES = {
    "grant_uses": GRANT_USES,
    "media": MEDIA,
    "asset_kinds": ASSET_KINDS,
    "asset_origins": ASSET_ORIGINS,
    "party_kinds": PARTY_KINDS,
    "grantor_roles": GRANTOR_ROLES,
    "representation": REPRESENTATION,
    "replica_types": REPLICA_TYPES,
    "modalities": MODALITIES,
    "training_permissions": TRAINING_PERMISSIONS,
    "generation_uses": GENERATION_USES,
    "reservation_uses": RESERVATION_USES,
    "reservation_sources": RESERVATION_SOURCES,
    "reservation_subjects": RESERVATION_SUBJECTS,
    "exclusivity": EXCLUSIVITY,
    "output_disclosures": OUTPUT_DISCLOSURES,
    "disclosure_positions": DISCLOSURE_POSITIONS,
    "disclosure_bases": DISCLOSURE_BASES,
    "label_corners": LABEL_CORNERS,
    "record_statuses": RECORD_STATUSES,
    "record_actions": RECORD_ACTIONS,
    "roles": ROLES,
    "token_scopes": TOKEN_SCOPES,
    "erasure_bases": ERASURE_BASES,
    "performer_rules": PERFORMER_RULES,
}
LABELS: dict[str, str] = {}
for _labels in reversed(VOCABULARY_LABELS.values()):
    LABELS.update(_labels)
del _labels
