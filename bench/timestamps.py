"""What a time-stamp adds to signing: a 256x256 PNG signed with c2pa's signer, with and without an
RFC 3161 time-stamp from the development TSA (OpenSSL's `openssl ts -reply` behind provenance/tsa.py,
on this machine, so the round trip is local: a TSA across a network adds its latency on top).
Prints JSON and writes bench/results/timestamps.json.

    python bench/timestamps.py"""

import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import percentiles, report, size  # noqa: E402

ROUNDS = size(60, 1)


def main():
    import c2pa
    from PIL import Image

    from provenance import identity as ident
    from provenance import tsa

    tmp = Path(tempfile.mkdtemp())
    chain = ident.dev_chain_create(tmp / "signer")
    httpd, url = tsa.dev_start(tmp / "tsa")
    buf = io.BytesIO()
    Image.effect_noise((256, 256), 64).convert("RGB").save(buf, "PNG")
    png = buf.getvalue()
    definition = {
        "claim_generator_info": [{"name": "bench"}],
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
                        }
                    ]
                },
            }
        ],
    }
    context = c2pa.Context(settings=c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}}))

    def sign(tsa_url):
        signer = ident.make_signer(
            chain_pem=chain["chain"].read_text(), key_path=str(chain["key"]), tsa_url=tsa_url
        )
        started = time.perf_counter()
        c2pa.Builder(definition, context=context).sign(signer, "image/png", io.BytesIO(png), io.BytesIO())
        return time.perf_counter() - started

    rows = {}
    for name, tsa_url in (("without a time-stamp", None), ("time-stamped", url)):
        sign(tsa_url)  # warm
        rows[name] = percentiles([sign(tsa_url) for _ in range(ROUNDS)])
    httpd.shutdown()
    added = round(rows["time-stamped"]["p50_ms"] - rows["without a time-stamp"]["p50_ms"], 3)
    report(
        "timestamps",
        {
            "what": "c2pa Builder.sign of a 256x256 PNG, ES256 key in a file, thumbnail off",
            "tsa": "development TSA on this machine (openssl ts -reply per query, over HTTP)",
            "results": rows,
            "time_stamp_adds_p50_ms": added,
        },
    )


if __name__ == "__main__":
    main()
