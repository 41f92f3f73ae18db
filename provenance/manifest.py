"""The C2PA manifest of a generated output, built as plain data. Pure: no ORM.

It says the output is AI-generated (c2pa.created with the IPTC digital source type, the engine as
software agent), lists every input as an ingredient in the relationship its role implies,
reserves AI uses (cawg.training-mining, and the older c2pa.training-mining that opt-out tools
already read), and names the rights decision that allowed it, with the ledger entry and
checkpoint that prove it. It never names a person.
"""

import base64
import struct
import zlib
from dataclasses import dataclass, field

from rightsledger import vocab

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
RELATIONSHIP = {
    "plate": "parentOf",
    "element": "componentOf",
    "reference": "inputTo",
    "likeness": "inputTo",
    "style": "inputTo",
}
TDM_USES = vocab.RESERVATION_USES
RIGHTSLEDGER_LABEL = "com.rightsledger.decision"
SOFT_BINDING_ALG = "com.rightsledger.phash.1"  # 64-bit DCT pHash of the pixels, big-endian
# The invisible watermark (provenance.watermark): its value is the 32-bit identifier, big-endian,
# that /api/c2pa/v1/matches/byBinding and byContent resolve to this manifest.
WATERMARK_ALG = "com.rightsledger.dwtdctsvd.1"
DMI_PROHIBITED = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING"
GENERATOR = "Rightsledger"
# Output formats we sign; anything else is refused. Clips are ISO BMFF (MP4, QuickTime), which
# c2pa binds with a BMFF hash of every box but the manifest's own.
SIGNABLE = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4", "video/quicktime": "mov"}
CLIPS = {"video/mp4", "video/quicktime"}


@dataclass(frozen=True)
class Ingredient:
    title: str
    media_type: str
    role: str
    asset_id: int
    sha256: str
    frames: tuple[int, int] | None = None  # the frame range of a clip that was used


@dataclass(frozen=True)
class OutputFacts:
    title: str
    engine: str
    engine_version: str
    generator_version: str
    ingredients: tuple[Ingredient, ...]
    reserved_uses: frozenset[str]  # the most restrictive of production, inputs and consents
    disclosed_parameters: dict = field(default_factory=dict)
    decision: dict = field(default_factory=dict)  # the Rightsledger assertion's content
    thumbnail: str | None = None  # resource identifier, if a thumbnail is attached
    soft_binding: bytes | None = None  # the pHash, for manifest recovery from stripped copies
    watermark: int | None = None  # the identifier the pixels carry (every frame of a clip)


def training_mining(reserved: frozenset[str], prefix: str) -> dict:
    return {
        "entries": {
            f"{prefix}.{use}": {"use": "notAllowed" if use in reserved else "allowed"} for use in TDM_USES
        }
    }


def build(facts: OutputFacts) -> dict:
    """Return the manifest definition for c2pa.Builder."""
    composited = any(i.role == "plate" for i in facts.ingredients)
    action = {
        "action": "c2pa.created",
        "digitalSourceType": COMPOSITE if composited else TRAINED,
        "softwareAgent": {"name": facts.engine, "version": facts.engine_version},
    }
    if facts.disclosed_parameters:
        action["parameters"] = dict(facts.disclosed_parameters)
    manifest = {
        "claim_generator_info": [{"name": GENERATOR, "version": facts.generator_version}],
        "title": facts.title,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [action]}},
            {"label": "cawg.training-mining", "data": training_mining(facts.reserved_uses, "cawg")},
            # C2PA 2.x dropped its own training-mining assertion in favour of CAWG's, but published
            # readers (Spawning's datadiligence among them) read only this older label, with its
            # c2pa.* keys; both are written, always saying the same.
            {"label": "c2pa.training-mining", "data": training_mining(facts.reserved_uses, "c2pa")},
            {"label": RIGHTSLEDGER_LABEL, "data": dict(facts.decision)},
        ],
    }
    if facts.thumbnail:
        manifest["thumbnail"] = {"format": "image/jpeg", "identifier": facts.thumbnail}
    if facts.soft_binding:
        manifest["assertions"].append(
            {
                "label": "c2pa.soft-binding",
                "data": {
                    "alg": SOFT_BINDING_ALG,
                    "blocks": [{"scope": {}, "value": base64.b64encode(facts.soft_binding).decode()}],
                },
            }
        )
    if facts.watermark:
        manifest["assertions"].append(
            {
                "label": "c2pa.soft-binding",
                "data": {
                    "alg": WATERMARK_ALG,
                    "blocks": [
                        {"scope": {}, "value": base64.b64encode(facts.watermark.to_bytes(4, "big")).decode()}
                    ],
                },
            }
        )
    return manifest


def ingredient_definition(ingredient: Ingredient) -> dict:
    metadata = {
        "dataSource": {
            "type": "localProvider.rightsledger",
            "details": f"asset {ingredient.asset_id} sha256 {ingredient.sha256}",
        }
    }
    if ingredient.frames is not None:
        # C2PA's region of interest: a frame range (counted from 0, both ends included).
        first, last = ingredient.frames
        metadata["regionOfInterest"] = {
            "region": [{"type": "frame", "frame": {"start": first, "end": last}}],
            "name": f"frames {first}-{last}",
        }
    return {
        "title": ingredient.title,
        "format": ingredient.media_type,
        "relationship": RELATIONSHIP.get(ingredient.role, "inputTo"),
        "metadata": metadata,
    }


def add_xmp(data: bytes, media_type: str, xmp: bytes) -> bytes:
    """Insert an XMP packet into encoded JPEG or PNG bytes, without re-encoding the pixels."""
    if media_type == "image/png":
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            raise ValueError("not a PNG")
        ihdr_end = 8 + 12 + struct.unpack(">I", data[8:12])[0]
        body = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp
        chunk = (
            struct.pack(">I", len(body))
            + b"iTXt"
            + body
            + struct.pack(">I", zlib.crc32(b"iTXt" + body) & 0xFFFFFFFF)
        )
        return data[:ihdr_end] + chunk + data[ihdr_end:]
    if media_type == "image/jpeg":
        if data[:2] != b"\xff\xd8":
            raise ValueError("not a JPEG")
        at = 2
        if data[2:4] == b"\xff\xe0":  # keep JFIF's APP0 first
            at = 4 + struct.unpack(">H", data[4:6])[0]
        payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
        return data[:at] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + data[at:]
    raise ValueError(f"cannot add XMP to {media_type}")


def xmp_packet(reserved: frozenset[str]) -> bytes:
    """An XMP packet with IPTC PLUS DataMining: prohibited for AI/ML training when reserved."""
    value = (
        DMI_PROHIBITED
        if reserved & set(vocab.TRAINING_USES)
        else "http://ns.useplus.org/ldf/vocab/DMI-UNSPECIFIED"
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/">'
        f'<plus:DataMining rdf:resource="{value}"/>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()
