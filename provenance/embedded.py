"""What a file says of AI training itself: the C2PA or CAWG training-mining assertion of its
Content Credentials, and IPTC plus:DataMining in its XMP. Pure: no Django, so rightsledger-check
reads the same signals where the files are, and the service from an uploaded file."""

import re

from rightsledger.vocab import TRAINING_USES

XMP_DATAMINING = re.compile(rb"plus:DataMining(?:\s*=\s*\"|[^>]*?rdf:resource=\")([^\"]+)\"")


def training_mining_of(store: dict) -> dict:
    """The training-mining entries of the active manifest, from cawg.training-mining or the older label."""
    manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
    out = {}
    for assertion in manifest.get("assertions", []):
        if assertion.get("label") in ("cawg.training-mining", "c2pa.training-mining"):
            for key, value in (assertion.get("data", {}).get("entries") or {}).items():
                out[key.split(".", 1)[1]] = value.get("use")
    return out


def embedded_verdict(data: bytes, store: dict | None) -> tuple[dict | None, list[str]]:
    """Return (the verdict the file's own signals give, or None; reasons to keep otherwise).
    store is the file's manifest store as read (None when it has none)."""
    reasons = []
    if store and "error" not in store:
        tdm = training_mining_of(store)
        if any(tdm.get(u) == "notAllowed" for u in TRAINING_USES):
            said = ", ".join(f"{k}: {v}" for k, v in sorted(tdm.items()))
            return {
                "verdict": "not_allowed",
                "reasons": [
                    "The file's Content Credentials reserve AI training "
                    f"({said}; signature {store.get('validation_state')})."
                ],
            }, []
        if tdm and all(tdm.get(u) == "allowed" for u in TRAINING_USES):
            return {
                "verdict": "allowed",
                "reasons": [
                    "The file's Content Credentials allow AI training "
                    f"(signature {store.get('validation_state')})."
                ],
            }, []
        reasons.append("The file has Content Credentials without a training preference.")
    found = XMP_DATAMINING.search(data)
    if found:
        value = found.group(1).decode(errors="replace")
        if "PROHIBITED" in value:
            return {
                "verdict": "not_allowed",
                "reasons": [f"The file's XMP says plus:DataMining = {value}."],
            }, []
        if value.endswith("DMI-ALLOWED"):
            return {"verdict": "allowed", "reasons": [f"The file's XMP says plus:DataMining = {value}."]}, []
    return None, reasons
