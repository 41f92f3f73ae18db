"""The vocabularies of rights grants and what they cover: uses, release media, territories and
languages, kinds of asset and of party, exclusivity, and a versioned record's statuses and
actions; with their labels and sentence forms."""

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

EXCLUSIVITY = ("exclusive", "non_exclusive")

RECORD_STATUSES = ("active", "revoked")
RECORD_ACTIONS = ("created", "amended", "revoked")

# Labels: what a table shows, one dict per vocabulary, keyed by code.
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
EXCLUSIVITY_LABELS = {"exclusive": "Exclusive", "non_exclusive": "Not exclusive"}
RECORD_STATUS_LABELS = {"active": "Active", "revoked": "Revoked"}
RECORD_ACTION_LABELS = {"created": "recorded", "amended": "amended", "revoked": "revoked"}

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
