"""The vocabularies of a generation: what it is for, what its output's Content Credentials
disclose, its position under the EU AI Act and its visible label; and the labels of the
generation app's own vocabularies."""

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

# Labels: what a table shows, one dict per vocabulary, keyed by code.
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
# The generation app's vocabularies (generation.models), worded here so that one package owns the
# words of every page and export; generation imports rightsledger.vocab, never the other way round.
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
