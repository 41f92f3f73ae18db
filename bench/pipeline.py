"""From request to a signed and recorded output, with PostgreSQL, Redis and two Celery workers,
at 1080p. Reports shots per hour, with the engine's time shown apart, and our own overhead per
shot (the worker's time on a shot minus the engine's); on the local disk and on S3 (moto's server,
a bucket of the bench's own), in rounds that take the two in turn, each round a process of its
own, so that the shared machine's load falls on both alike. Prints JSON and writes
bench/results/pipeline.json.

    python bench/pipeline.py      # BENCH_ROUNDS (3) rounds of BENCH_SHOTS (40) shots each per storage
"""

import datetime
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, percentiles, report, setup_django, size, spawn  # noqa: E402

DB = "rightsledger_bench_pipeline"
SHOTS = int(os.environ.get("BENCH_SHOTS") or size(40, 1))
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or size(3, 1))
STORAGES = ("local", "s3")
GOAL_S3_SHARE = 0.8  # S3's throughput against the local disk's
PROFILED_RUNS = size(5, 1)  # the overhead parts
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")


def main():
    """Alternate the storages round by round, each round in a child process; report each round,
    the median throughput of each storage and their ratio."""
    from common.s3 import moto_bucket

    rounds = {storage: [] for storage in STORAGES}
    with moto_bucket("rightsledger-bench-pipeline") as s3_env:
        for n in range(ROUNDS):
            for storage in STORAGES if n % 2 == 0 else reversed(STORAGES):
                env = {**os.environ, **(s3_env if storage == "s3" else {})}
                args = [sys.executable, __file__, "--child", storage]
                if n == ROUNDS - 1:
                    args.append("--breakdown")
                done = subprocess.run(args, env=env, capture_output=True, text=True)
                if done.returncode:
                    raise SystemExit(f"the {storage} round failed:\n{done.stderr[-4000:]}")
                rounds[storage].append(json.loads(done.stdout.strip().splitlines()[-1]))
    throughput = {s: statistics.median(r["shots_per_hour"] for r in rounds[s]) for s in STORAGES}
    paired = [
        s3["shots_per_hour"] / local["shots_per_hour"] for local, s3 in zip(rounds["local"], rounds["s3"])
    ]
    ratio = throughput["s3"] / throughput["local"]
    local = rounds["local"][-1]
    report(
        "pipeline",
        {
            "shots_per_round": SHOTS,
            "rounds_per_storage": ROUNDS,
            "workers": 2,
            "engine_threads_per_worker": local["engine_threads_per_worker"],
            "engine": "atmosphere, 1920x1080 PNG in and out",
            "storage": {
                "local": "FileSystemStorage, MEDIA_ROOT on the local disk",
                "s3": "django-storages S3Storage, moto's S3 server on this machine, a bucket of its own",
            },
            "shots_per_hour": {s: round(throughput[s]) for s in STORAGES},
            "shots_per_second": {s: round(throughput[s] / 3600, 3) for s in STORAGES},
            "s3_to_local": round(ratio, 3),
            "s3_to_local_by_round": [round(x, 3) for x in paired],
            "goal": f"S3 throughput >= {GOAL_S3_SHARE:.0%} of the local disk's",
            "goal_met": ratio >= GOAL_S3_SHARE,
            "our_overhead_per_shot_p50_ms": {
                s: round(statistics.median(r["our_overhead_per_shot_ms"]["p50_ms"] for r in rounds[s]), 1)
                for s in STORAGES
            },
            "overhead_includes": OVERHEAD_INCLUDES,
            "rounds": rounds,
        },
    )


OVERHEAD_INCLUDES = (
    "run-time re-check and its ledger entry, ledger publish (sequence + checkpoint), reading "
    "inputs, the watermark written into the still, the output's perceptual hashes (the soft "
    "binding and its stored fingerprints), signing with thumbnail and ingredients and an RFC "
    "3161 time-stamp from the development TSA on this machine, the faces in the output, storing, "
    "lineage, reservation, the disclosure default, ledger entries"
)


def run_round(storage: str, with_breakdown: bool) -> dict:
    """One round on the storage this process's environment names: SHOTS requests through two
    workers; returns its figures (and, with_breakdown, the profiled parts of the overhead)."""
    tmp = Path(tempfile.mkdtemp())
    os.environ.update(
        CELERY_BROKER_URL=BROKER,
        MEDIA_ROOT=str(tmp / "media"),
        LEDGER_SIGNING_KEY_FILE=str(tmp / "ledger.key"),
        LEDGER_SIGNING_KEY_CREATE="1",
        SIGNING_KEYS_DIR=str(tmp / "keys"),
    )
    setup_django(DB)
    import redis
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from config.celery import app
    from demo.pictures import picture
    from generation import services as gen
    from generation.models import GenerationOutput, GenerationRequest
    from generation.selectors import request_entries
    from provenance.services import identity_dev_init
    from rightsledger import services
    from rightsledger.models import Studio

    redis.Redis.from_url(BROKER).flushdb()
    app.conf.task_always_eager = False
    User = get_user_model()
    studio = Studio.objects.filter(slug="pipe").first()
    if studio is None:
        studio = services.studio_create(actor=None, name="Pipeline", slug="pipe")
        prod = services.production_create(actor=None, studio=studio, title="Pipe", code="pipe")
        services.shot_create(actor=None, production=prod, code="EP1_SH0010")
        services.party_create(actor=None, studio=studio, name="Vendor", kind="vendor")
        User.objects.create_user("pipe-producer")
    prod = studio.productions.get(code="pipe")
    party = studio.parties.get()
    img = Image.blend(picture(3, (1920, 1080)), Image.effect_noise((1920, 1080), 24).convert("RGB"), 0.2)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    plate, created = services.asset_register(
        actor=None,
        production=prod,
        upload=SimpleUploadedFile("plate_1080p.png", buf.getvalue()),
        kind="plate",
        owner=party,
    )
    if created:
        services.grant_create(
            actor=None,
            grantor=party,
            production=prod,
            assets=[plate],
            uses=["genai_input"],
            media=["theatrical"],
            territories=["WORLD"],
            term_start=datetime.date(2026, 1, 1),
            contract_sha256="a" * 64,
        )
    # Each run has a media folder of its own: the plate's bytes (the same each run) go in it.
    services.store_content(plate.sha256, buf.getvalue())
    identity_dev_init()
    shot = prod.shots.get()
    user = User.objects.get(username="pipe-producer")

    workers = []
    # Two workers of one process each share this machine's cores: each engine gets its half.
    env = dict(
        os.environ, ENGINE_THREADS=os.environ.get("ENGINE_THREADS") or str(max(1, (os.cpu_count() or 2) // 2))
    )
    for n in range(2):
        log = open(tmp / f"worker{n}.log", "w+")
        workers.append(
            (
                spawn(  # stopped below, or when the bench exits if it fails before
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "config",
                        "worker",
                        "-c",
                        "1",
                        "-l",
                        "warning",
                        "--without-mingle",
                        "--without-gossip",
                        "-n",
                        f"bench{n}@%h",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
        )
    try:
        time.sleep(8)  # workers import torch and Django
        submit, ids = [], []
        t0 = time.perf_counter()
        for i in range(SHOTS):
            t = time.perf_counter()
            req = gen.request_submit(
                actor=user,
                production=prod,
                shot=shot,
                engine="atmosphere",
                seed=i,
                intended_use="atmosphere",
                media=["theatrical"],
                territories=["US"],
                release_start=datetime.date(2026, 6, 1),
                release_end=datetime.date(2026, 12, 31),
                inputs=[{"asset": plate, "role": "plate"}],
            )
            gen.request_queue(actor=user, request=req)
            submit.append(time.perf_counter() - t)
            ids.append(req.pk)
        deadline = time.monotonic() + 900
        while (
            GenerationRequest.objects.filter(pk__in=ids, status__in=["queued", "running"]).exists()
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        wall = time.perf_counter() - t0
    finally:
        for proc, _log in workers:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
    done = GenerationRequest.objects.filter(pk__in=ids, status="succeeded").count()
    outputs = {o.request_id: o for o in GenerationOutput.objects.filter(request_id__in=ids)}
    busy, engine, overhead = [], [], []
    for rid in ids:
        times = dict(
            request_entries(rid)
            .filter(entry_type__in=["generation.started", "generation.output_recorded"])
            .values_list("entry_type", "time")
        )
        if rid in outputs and len(times) == 2:
            b = (times["generation.output_recorded"] - times["generation.started"]).total_seconds()
            busy.append(b)
            engine.append(outputs[rid].engine_seconds)
            overhead.append(b - outputs[rid].engine_seconds)
    parts = breakdown(gen, prod, shot, plate, user) if with_breakdown else None
    return {
        "storage": storage,
        "shots": SHOTS,
        "succeeded": done,
        "engine_threads_per_worker": int(env["ENGINE_THREADS"]),
        "wall_seconds": round(wall, 1),
        "shots_per_hour": round(done / wall * 3600),
        "engine_seconds_per_shot": round(statistics.median(engine), 3),
        "worker_seconds_per_shot": round(statistics.median(busy), 3),
        "our_overhead_per_shot_ms": {**percentiles(overhead)},
        "submit_and_decide_ms": percentiles(submit),
        **({"overhead_parts_ms_per_shot": parts} if parts else {}),
    }


# The parts of our overhead, by the functions that do them (cumulative time under cProfile, per
# shot, runs in this process): the run-time check, publishing the ledger, the output's hashes,
# signing, and recording (asset, lineage, signing record, output, likeness check).
PARTS = {
    "run_time_check": "_run_check",
    "ledger_publish_for_the_proof": "ledger_publish",
    "output_perceptual_hashes": "phash_variants",
    "watermark_the_still": "watermark_still",
    "faces_in_the_output (its own row: the likeness check's face work)": "frames_faces",
    "signing_c2pa_with_its_time_stamp": "sign_bytes",
    "record_output": "output_keep",
    "  of which asset_register": "asset_register",
    "  of which lineage": "lineage_record_many",
    "  of which signing_record_and_reservation": "output_record",
    "  of which likeness_check": "_likeness_check",
    "  of which disclosure_default": "disclosure_default",
}


def breakdown(gen, prod, shot, plate, user, runs=PROFILED_RUNS) -> dict:
    """Run a few requests here under cProfile, after one unmeasured run that pays for this
    process's first imports (as the long-lived workers have), and sum each part's time."""
    import cProfile
    import pstats

    ids = []
    for i in range(runs + 1):
        req = gen.request_submit(
            actor=user,
            production=prod,
            shot=shot,
            engine="atmosphere",
            seed=10_000 + i,
            intended_use="atmosphere",
            media=["theatrical"],
            territories=["US"],
            release_start=datetime.date(2026, 6, 1),
            release_end=datetime.date(2026, 12, 31),
            inputs=[{"asset": plate, "role": "plate"}],
        )
        gen.request_queue(
            actor=user, request=req
        )  # its task waits in the broker (the workers are gone): it runs here
        ids.append(req.pk)
    gen.request_run(request_id=ids.pop(0))  # the warm-up
    profile = cProfile.Profile()
    for rid in ids:
        profile.enable()
        gen.request_run(request_id=rid)
        profile.disable()
    stats = pstats.Stats(profile).stats
    cumulative = {}
    for (_, _, name), (_, _, _, cum, _) in stats.items():
        cumulative[name] = cumulative.get(name, 0.0) + cum
    return {part: round(cumulative.get(fn, 0.0) / runs * 1000, 1) for part, fn in PARTS.items()}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(run_round(sys.argv[2], "--breakdown" in sys.argv)))
    else:
        main()
