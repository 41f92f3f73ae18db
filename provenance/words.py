"""C2PA's terms in the words the portal says them with: an ingredient's relationship and a
training-and-data-mining entry as parts of a sentence, and how far a signature is trusted. Pure:
the verify page and the request page both read them from here."""

from .credentials import DEVELOPMENT, INVALID, TRUSTED, UNTRUSTED

# An ingredient's relationship to the file it went into (C2PA 2.x ingredient assertion).
RELATIONSHIPS = {
    "parentOf": "made from {title}",
    "componentOf": "{title}, used as a part of it",
    "inputTo": "{title}, used as a reference",
}

# A training-and-data-mining entry's use (c2pa. or cawg. prefix dropped), as a verb.
USES = {
    "ai_training": "train AI",
    "ai_generative_training": "train generative AI",
    "ai_inference": "feed to AI as an input (inference)",
    "data_mining": "mine for data",
}

# Each trust level: its badge, the badge's colour class, and the sentence beside it.
TRUST = {
    TRUSTED: ("Trusted", "ok", "The signature verifies, and the signer chains to a root this studio trusts."),
    DEVELOPMENT: (
        "Development key",
        "grey",
        "Signed by this server's development key: not trusted anywhere else. The file was not altered "
        "since it was signed.",
    ),
    UNTRUSTED: (
        "Signer not known",
        "warn",
        "The signature verifies, so the file was not altered since it was signed, but the signer chains "
        "to no root this service trusts.",
    ),
    INVALID: ("Invalid", "bad", "The file or its credentials were altered after signing, or cannot be read."),
}


def ingredient_words(relationship: str | None, title: str | None) -> str:
    """Return an ingredient as words: "made from A-10 Lighthouse plate", "X, used as a reference"."""
    title = title or "an untitled file"
    return RELATIONSHIPS.get(relationship or "", "{title}, an ingredient").format(title=title)


def use_words(use: str, value: str | None) -> str:
    """Return a training-and-data-mining entry as a sentence's end: "may not be used to train
    generative AI"."""
    verb = USES.get(use, use.replace("_", " "))
    if value == "notAllowed":
        return f"may not be used to {verb}"
    if value == "allowed":
        return f"may be used to {verb}"
    if value == "constrained":
        return f"may be used to {verb} only on the terms its owner sets"
    return f"says nothing of whether it may be used to {verb}"
