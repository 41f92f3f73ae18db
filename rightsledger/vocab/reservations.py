"""The vocabularies of training reservations (opt-outs) and of the training-and-data-mining terms
of Content Credentials; with their labels."""

# Training and data-mining uses a reservation (opt-out) can reserve, as in CAWG training-mining.
# The training uses are those a dataset builder asks about, and those R3 of the gate guards.
TRAINING_USES = ("ai_training", "ai_generative_training")
RESERVATION_USES = (*TRAINING_USES, "ai_inference", "data_mining")
# "lineage": carried to a generated output from its inputs, talents and production.
RESERVATION_SOURCES = ("contract", "talent_request", "guild", "embedded_c2pa", "tdmrep", "lineage")
RESERVATION_SUBJECTS = ("asset", "talent", "party", "production")

# Labels: what a table shows, one dict per vocabulary, keyed by code.
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
# Content Credentials (C2PA) terms.
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
