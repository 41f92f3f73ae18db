"""The vocabularies of consent to a digital replica, of the 2026 performer rules a production
applies, and of erasing a performer's personal data; with their labels."""

# Consent records for a digital replica (SAG-AFTRA 2023 TV/Theatrical; CA Labor Code §927;
# NY GOL §5-302).
GRANTOR_ROLES = ("performer", "estate_representative", "union", "guardian")
REPRESENTATION = ("counsel", "collective_agreement", "none")
REPLICA_TYPES = ("employment_based", "independently_created", "background", "digital_alteration")
MODALITIES = ("face", "body", "voice", "singing", "motion")
TRAINING_PERMISSIONS = ("none", "this_production", "allowed")

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

# On what basis a performer's personal data is erased (GDPR art. 17, CCPA §1798.105; an estate
# for a deceased performer, a guardian for a minor). A code, never free text: it is in the ledger.
ERASURE_BASES = ("performer_request", "estate_request", "guardian_request", "legal_obligation")

# Labels: what a table shows, one dict per vocabulary, keyed by code.
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
ERASURE_BASIS_LABELS = {
    "performer_request": "the performer's request",
    "estate_request": "the estate's request",
    "guardian_request": "a guardian's request",
    "legal_obligation": "a legal obligation",
}
