"""Signing an output with Content Credentials against plain SHA-256 of the same bytes, for a
256x256 JPEG, 1080p JPEG and PNG, 4K JPEG and PNG; and clips: a 10-second 1080p H.264 MP4 and a
1 GB MP4, signed from file to file (opened as streams, and given as paths), each in a process of
its own so its peak resident memory is its own. The thumbnail is made from the pixels the engine
already holds, as in the pipeline. Prints JSON and writes bench/results/signing.json.

    python bench/signing.py            # everything
    python bench/signing.py --clips    # the clip rows only (the still rows are kept from the last run)
    python bench/signing.py --stills   # the still rows only (the clip rows are kept from the last run)
    BENCH_CLIP_ROUNDS=3 python bench/signing.py --clips   # fewer rounds a clip (5 by default)
    python bench/signing.py --clips --only-clip 1080p     # the clips named so (the rest kept)"""

import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SMOKE, report, setup_django  # noqa: E402

ROUNDS = 1 if SMOKE else 15
SIZES = [  # the smoke size signs the first alone
    ("256x256", (256, 256), "JPEG"),
    ("1080p", (1920, 1080), "JPEG"),
    ("1080p", (1920, 1080), "PNG"),
    ("4K", (3840, 2160), "JPEG"),
    ("4K", (3840, 2160), "PNG"),
][: 1 if SMOKE else None]


def signing_setup(title: str):
    """Django, a development identity (unsaved) and an output's facts, as the benchmarks sign with."""
    setup_django("rightsledger_bench_signing")
    from provenance import identity as ident
    from provenance import manifest as mf
    from provenance.models import SigningIdentity

    paths = ident.dev_chain_create(Path(tempfile.mkdtemp()) / "bench")
    identity = SigningIdentity(name="bench", chain_pem=paths["chain"].read_text(), key_path=str(paths["key"]))
    facts = mf.OutputFacts(
        title=title,
        engine="atmosphere",
        engine_version="1.0.0",
        generator_version="0.1.0",
        ingredients=(),
        reserved_uses=frozenset(mf.TDM_USES),
        decision={"request": 1, "decision": 2, "outcome": "approved", "ledger": {"seq": 3}},
    )
    return identity, facts


def bare_definition() -> dict:
    """The manifest of the bare library call (the anchor): one created action, nothing else."""
    from provenance import manifest as mf

    return {
        "claim_generator_info": [{"name": "bench"}],
        "title": "bare",
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": mf.TRAINED}]},
            }
        ],
    }


def main():
    identity, facts = signing_setup("EP102_SH0040 - atmosphere output")
    import c2pa
    from PIL import Image

    from demo.pictures import picture
    from provenance.services import sign_bytes, signer_for
    from provenance.services.signing import _builder_context, tsa_url_in_use

    # The second anchor: the bare library call on the same bytes, with a minimal manifest and no
    # thumbnail. What sign_bytes adds on top of it (manifest, XMP, thumbnail, signer) is ours.
    bare = bare_definition()
    bare_context = _builder_context()  # the same settings as ours
    # The same signer as ours, time-stamping at the same TSA: the time-stamp is not our overhead.
    signer = signer_for(identity, tsa_url=tsa_url_in_use())

    def bare_sign(data, media_type):
        builder = c2pa.Builder(bare, context=bare_context)
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
            signed, _, _, _ = sign_bytes(
                data=data, media_type=media_type, facts=facts, image=img, identity=identity
            )
            signs.append(time.perf_counter() - t)
        h, s, b = (
            statistics.median(hashes) * 1000,
            statistics.median(signs) * 1000,
            statistics.median(bares) * 1000,
        )
        rows.append(
            {
                "image": f"{name} {fmt}",
                "bytes": len(data),
                "signed_bytes": len(signed),
                "sha256_ms": round(h, 2),
                "sign_ms": round(s, 2),
                "sign_mb_per_s": round(len(data) / 1e6 / (s / 1000), 1),
                "ratio_to_hash": round(s / h, 1),
                "goal_ms": round(3 * h + 5, 2),
                "goal_met": s <= 3 * h + 5,
                "anchor_bare_builder_sign_ms": round(b, 2),
                "our_overhead_ms": round(s - b, 2),
                "overhead_goal_met": s - b <= 2.0,
            }
        )
    return rows


CLIP_ROUNDS = int(os.environ.get("BENCH_CLIP_ROUNDS") or (1 if SMOKE else 5))
CACHE = Path(tempfile.gettempdir()) / (
    "rightsledger-bench-clips-smoke" if SMOKE else "rightsledger-bench-clips"
)


def make_clips() -> dict[str, Path]:
    """Cached between runs: a 10-second 1080p clip as the engines write it (x264, fragmented MP4,
    with fresh grain every frame as a plate has); a 1 GB clip of all-intra MPEG-4 frames, remuxed
    until it passes 1 GB, in one media box; and the same frames fragmented a second at a time."""
    import av
    import numpy as np
    from PIL import Image

    from demo.pictures import picture
    from generation.engines.clip import MUXER_OPTIONS

    CACHE.mkdir(exist_ok=True)
    ten = CACHE / "1080p_10s_fragmented.mp4"
    # The smoke size: 2 seconds at 320x180, and no 1 GB clips.
    width, height, count = (320, 180, 48) if SMOKE else (1920, 1080, 240)
    if not ten.exists():
        wide = np.asarray(picture(11, (width + 4 * count, height)), dtype=np.int16)
        rng = np.random.default_rng(11)
        with av.open(str(ten), "w", format="mp4", options=dict(MUXER_OPTIONS)) as out:
            stream = out.add_stream("libx264", rate=24)
            stream.width, stream.height, stream.pix_fmt, stream.gop_size = width, height, "yuv420p", 24
            stream.options = {"crf": "18", "preset": "veryfast"}
            for i in range(count):
                grain = rng.integers(-12, 13, (height, width, 1), dtype=np.int16)
                frame = np.clip(wide[:, 4 * i : 4 * i + width] + grain, 0, 255).astype(np.uint8)
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
    if SMOKE:
        return {"1080p 10 s H.264, fragmented as the engines write it (smoke size: 320x180, 2 s)": ten}
    big, fragmented = CACHE / "1GB.mp4", CACHE / "1GB_fragmented.mp4"
    if not big.exists():
        seed = CACHE / "intra.mp4"
        with av.open(str(seed), "w", format="mp4") as out:
            stream = out.add_stream("mpeg4", rate=24)
            stream.width, stream.height, stream.pix_fmt, stream.gop_size = 1920, 1080, "yuv420p", 1
            stream.options = {"qscale": "1"}
            for i in range(24):
                img = Image.blend(
                    picture(100 + i, (1920, 1080)),
                    Image.effect_noise((1920, 1080), 40 + i).convert("RGB"),
                    0.5,
                )
                for packet in stream.encode(av.VideoFrame.from_image(img)):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        with av.open(str(seed)) as src, av.open(str(big), "w", format="mp4") as out:
            packets = [p for p in src.demux(src.streams.video[0]) if p.size]
            stream = out.add_stream_from_template(src.streams.video[0])
            step = packets[-1].pts - packets[0].pts + packets[1].pts - packets[0].pts
            written, rep = 0, 0
            while written < 1_000_000_000:
                for p in packets:
                    copy = av.Packet(bytes(p))
                    copy.pts, copy.dts, copy.time_base, copy.stream = (
                        p.pts + rep * step,
                        p.dts + rep * step,
                        p.time_base,
                        stream,
                    )
                    copy.is_keyframe = True
                    out.mux(copy)
                    written += p.size
                rep += 1
        seed.unlink()
    if not fragmented.exists():
        with (
            av.open(str(big)) as src,
            av.open(str(fragmented), "w", format="mp4", options=dict(MUXER_OPTIONS)) as out,
        ):
            stream = out.add_stream_from_template(src.streams.video[0])
            for packet in src.demux(src.streams.video[0]):
                if packet.size:
                    packet.stream = stream
                    out.mux(packet)
    return {
        "1080p 10 s H.264, fragmented as the engines write it": ten,
        "1 GB, fragmented a second at a time": fragmented,
        "1 GB, one media box": big,
    }


PROFILE_TOP = 12


def clip_child(mode: str, source: str) -> dict:
    """Sign one clip CLIP_ROUNDS times in this process; report times and peak resident memory.
    mode "stream": our sign_file, and in the same rounds the anchor (c2pa's Builder.sign with a
    minimal manifest, the same context and the same time-stamping signer, on the same file) and
    the file's SHA-256, the last round of ours under cProfile; "path": Builder.sign_file with our
    manifest and thumbnail."""
    identity, facts = signing_setup("AI-generated output (atmosphere)")
    import c2pa
    from PIL import Image

    from provenance import manifest as mf
    from provenance.services import _thumbnail, sign_file, signer_for
    from provenance.services.signing import _builder_context, tsa_url_in_use

    first = Image.new("RGB", (1920, 1080), (90, 100, 120))
    dest = Path(source).with_suffix(".signed.mp4")
    tsa_url = tsa_url_in_use()
    bare = bare_definition()

    def ours():
        sign_file(
            source_path=source,
            dest_path=str(dest),
            media_type="video/mp4",
            facts=facts,
            ingredients=[],
            image=first,
            identity=identity,
        )

    def anchor():
        with open(source, "rb") as src, open(dest, "w+b") as dst:
            c2pa.Builder(bare, context=_builder_context()).sign(
                signer_for(identity, tsa_url=tsa_url), "video/mp4", src, dst
            )

    # The high-water mark of resident memory from here: a forked process starts with its parent's.
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    hashes, signs, anchors, profile = [], [], [], None
    for n in range(CLIP_ROUNDS):
        t = time.perf_counter()
        digest = hashlib.sha256()
        with open(source, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        hashes.append(time.perf_counter() - t)
        if mode == "stream":
            # The two take turns at going first, so that neither always finds the other's file to
            # truncate or the source fresh in the page cache.
            if n % 2 == 0:
                t = time.perf_counter()
                anchor()
                anchors.append(time.perf_counter() - t)
            if n == CLIP_ROUNDS - 1:
                import cProfile

                profile = cProfile.Profile()
                profile.enable()
            t = time.perf_counter()
            ours()
            signs.append(time.perf_counter() - t)
            if profile is not None:
                profile.disable()
            if n % 2 == 1:
                t = time.perf_counter()
                anchor()
                anchors.append(time.perf_counter() - t)
        else:  # c2pa given the paths (Builder.sign_file), with the same manifest and thumbnail
            t = time.perf_counter()
            definition = mf.build(mf.OutputFacts(**{**facts.__dict__, "thumbnail": "thumbnail.jpg"}))
            builder = c2pa.Builder(definition, context=_builder_context())
            builder.add_resource("thumbnail.jpg", io.BytesIO(_thumbnail(first, b"")))
            builder.sign_file(source, str(dest), signer_for(identity, tsa_url=tsa_url))
            signs.append(time.perf_counter() - t)
    peak = _status_kb("VmHWM")
    size = Path(source).stat().st_size
    dest.unlink(missing_ok=True)
    return {
        "bytes": size,
        "sha256_ms": statistics.median(hashes) * 1000,
        "sign_ms": statistics.median(signs) * 1000,
        **({"anchor_ms": statistics.median(anchors) * 1000} if anchors else {}),
        **({"profile": profile_top(profile)} if profile else {}),
        "rss_before_mb": round(before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
    }


def profile_top(profile) -> list[dict]:
    """The functions that took the most time, with what was under them (cumulative) and in them
    (own): where c2pa's native call is the bound, it leads both."""
    import pstats

    rows = []
    for (file, line, name), (_, calls, own, cumulative, _) in pstats.Stats(profile).stats.items():
        where = name if file == "~" else f"{Path(file).parent.name}/{Path(file).name}:{line} {name}"
        rows.append(
            {"function": where, "calls": calls, "cumulative_s": round(cumulative, 3), "own_s": round(own, 3)}
        )
    return sorted(rows, key=lambda r: -r["cumulative_s"])[:PROFILE_TOP]


def _status_kb(field: str) -> int:
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(field + ":"))
    return int(line.split()[1])


def clip_rows(only: str = "", kept: list[dict] = ()) -> list[dict]:
    """Each clip signed by streams and by paths, each in a child process; with only, the clips
    whose name starts with it, the other clips' rows taken from kept (the last run's)."""
    import json
    import subprocess

    rows = []
    for name, path in make_clips().items():
        if only and not name.startswith(only):
            rows += [r for r in kept if r["clip"] == name]
            continue
        for mode in ("stream", "path"):
            done = subprocess.run(
                [sys.executable, __file__, "--clip-child", mode, str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            m = json.loads(done.stdout.strip().splitlines()[-1])
            h, s = m["sha256_ms"], m["sign_ms"]
            rows.append(
                {
                    "clip": name,
                    "signed_from": "files opened as streams"
                    if mode == "stream"
                    else "paths (Builder.sign_file)",
                    "bytes": m["bytes"],
                    "sha256_ms": round(h, 1),
                    "sign_ms": round(s, 1),
                    "ratio_to_hash": round(s / h, 2),
                    "goal_ms": round(3 * h + 5, 1),
                    "goal_met": s <= 3 * h + 5,
                    **anchor_fields(m),
                    "rss_before_signing_mb": m["rss_before_mb"],
                    "peak_rss_mb": m["peak_rss_mb"],
                    "signing_added_rss_mb": round(m["peak_rss_mb"] - m["rss_before_mb"], 1),
                    "peak_goal_met": m["peak_rss_mb"] - m["rss_before_mb"] < 300
                    if m["bytes"] >= 1_000_000_000
                    else None,
                }
            )
    return rows


def anchor_fields(m: dict) -> dict:
    """Ours against the bare library call on the same file, in the same rounds; and the profile of
    our last round."""
    if "anchor_ms" not in m:
        return {}
    ratio = m["sign_ms"] / m["anchor_ms"]
    return {
        "anchor_bare_builder_sign_ms": round(m["anchor_ms"], 1),
        "anchor_ratio_to_hash": round(m["anchor_ms"] / m["sha256_ms"], 2),
        "ours_to_anchor": round(ratio, 3),
        "ours_to_anchor_goal_met": ratio <= 1.05,
        "profile_of_ours": m["profile"],
    }


if __name__ == "__main__":
    import json

    if sys.argv[1:2] == ["--clip-child"]:
        print(json.dumps(clip_child(sys.argv[2], sys.argv[3])))
        sys.exit(0)
    previous = json.loads((Path(__file__).parent / "results" / "signing.json").read_text())
    stills = previous.get("results", []) if "--clips" in sys.argv else main()
    only = sys.argv[sys.argv.index("--only-clip") + 1] if "--only-clip" in sys.argv else ""
    clips = (
        previous.get("clips", []) if "--stills" in sys.argv else clip_rows(only, previous.get("clips", []))
    )
    clip_rounds = (
        previous.get("clip_rounds_by_clip")
        or {r["clip"]: previous.get("clip_rounds") for r in previous.get("clips", [])}
        if only
        else {}
    )
    clip_rounds.update({r["clip"]: CLIP_ROUNDS for r in clips if not only or r["clip"].startswith(only)})
    report(
        "signing",
        {
            "rounds": ROUNDS,
            "clip_rounds_by_clip": clip_rounds,
            "clip_builder_settings": "provenance.services.signing.BUILDER_SETTINGS, ours and anchor alike",
            "thumbnail": "from the engine's pixels, 256 px JPEG",
            "results": stills,
            "clips": clips,
        },
    )
