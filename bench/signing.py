"""Signing an output with Content Credentials against plain SHA-256 of the same bytes, for a
256x256 JPEG, 1080p JPEG and PNG, 4K JPEG and PNG. The thumbnail is made from the pixels the
engine already holds, as in the pipeline. Prints JSON and writes bench/results/signing.json."""

import hashlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report, setup_django  # noqa: E402

ROUNDS = 15
SIZES = [("256x256", (256, 256), "JPEG"), ("1080p", (1920, 1080), "JPEG"), ("1080p", (1920, 1080), "PNG"),
         ("4K", (3840, 2160), "JPEG"), ("4K", (3840, 2160), "PNG")]


def main():
    setup_django("rightsledger_bench_signing")
    from PIL import Image

    from provenance import identity as ident
    from provenance import manifest as mf
    from provenance.models import SigningIdentity
    import c2pa

    from provenance.services import sign_bytes, signer_for
    from demo.pictures import picture

    paths = ident.dev_chain_create(Path(tempfile.mkdtemp()) / "bench")
    identity = SigningIdentity(name="bench", chain_pem=paths["chain"].read_text(), key_path=str(paths["key"]))
    facts = mf.OutputFacts(
        title="EP102_SH0040 - atmosphere output", engine="atmosphere", engine_version="1.0.0", generator_version="0.1.0",
        ingredients=(), reserved_uses=frozenset(mf.TDM_USES), decision={"request": 1, "decision": 2, "outcome": "approved", "ledger": {"seq": 3}},
    )
    # The second anchor: the bare library call on the same bytes, with a minimal manifest and no
    # thumbnail. What sign_bytes adds on top of it (manifest, XMP, thumbnail, signer) is ours.
    bare_definition = {"claim_generator_info": [{"name": "bench"}], "title": "bare",
                       "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [{"action": "c2pa.created",
                                       "digitalSourceType": mf.TRAINED}]}}]}
    bare_context = c2pa.Context(settings=c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}}))
    signer = signer_for(identity)

    def bare_sign(data, media_type):
        builder = c2pa.Builder(bare_definition, context=bare_context)
        builder.sign(signer, media_type, io.BytesIO(data), io.BytesIO())

    rows = []
    for name, size, fmt in SIZES:
        img = picture(7, size)
        # Real texture, as a plate has: the gradient and shapes alone compress to almost nothing.
        noise = Image.effect_noise(size, 24).convert("RGB")
        img = Image.blend(img, noise, 0.25)
        buf = io.BytesIO()
        img.save(buf, fmt, **({"quality": 90} if fmt == "JPEG" else {"compress_level": 1}))
        data = buf.getvalue()
        media_type = "image/jpeg" if fmt == "JPEG" else "image/png"
        hashes, signs, bares = [], [], []
        for _ in range(ROUNDS):
            t = time.perf_counter()
            bare_sign(data, media_type)
            bares.append(time.perf_counter() - t)
            t = time.perf_counter()
            hashlib.sha256(data).digest()
            hashes.append(time.perf_counter() - t)
            t = time.perf_counter()
            signed, _, _, _ = sign_bytes(data=data, media_type=media_type, facts=facts, ingredients_data=[], image=img, identity=identity)
            signs.append(time.perf_counter() - t)
        h, s, b = statistics.median(hashes) * 1000, statistics.median(signs) * 1000, statistics.median(bares) * 1000
        rows.append({
            "image": f"{name} {fmt}", "bytes": len(data), "signed_bytes": len(signed),
            "sha256_ms": round(h, 2), "sign_ms": round(s, 2), "sign_mb_per_s": round(len(data) / 1e6 / (s / 1000), 1),
            "ratio_to_hash": round(s / h, 1), "goal_ms": round(3 * h + 5, 2), "goal_met": s <= 3 * h + 5,
            "anchor_bare_builder_sign_ms": round(b, 2), "our_overhead_ms": round(s - b, 2), "overhead_goal_met": s - b <= 2.0,
        })
    report("signing", {"rounds": ROUNDS, "thumbnail": "from the engine's pixels, 256 px JPEG", "results": rows})


if __name__ == "__main__":
    main()
