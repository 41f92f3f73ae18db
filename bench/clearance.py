"""Training clearance at dataset scale: 100,000 small JPEGs on disk, checked by rightsledger-check
against a live server (gunicorn) holding 1,000,000 registered perceptual hashes, in fingerprint
mode (the default) and in upload mode. Reports files per second for each, beside the client's
own hashing alone as the anchor. Prints JSON and writes bench/results/clearance.json."""

import datetime
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import gunicorn, port, report, setup_django, size  # noqa: E402

DB = "rightsledger_bench_clearance"
FILES = int(os.environ.get("BENCH_CLEARANCE_FILES") or size(100_000, 20))
REGISTERED = size(1_000_000, 1_000)
SOURCES = size(500, 3)  # reserved stills registered through the service, each with its pHashes
UPLOAD_FILES = size(2_000, 5)  # upload mode is measured on a sample
COPIES_EVERY = 50  # one file in 50 is a re-encoded copy of a reserved still
SIZE = (160, 90)


def seed():
    """Register the reserved stills through the service, then pad the index to REGISTERED hashes."""
    from django.db import connection

    from demo.pictures import picture
    from provenance.models import PerceptualHash
    from rightsledger import services
    from rightsledger.models import Studio

    if Studio.objects.filter(slug="clear").exists():
        return
    studio = services.studio_create(actor=None, name="Clearance bench", slug="clear")
    prod = services.production_create(actor=None, studio=studio, title="Dataset", code="dataset")
    services.reservation_create(
        actor=None,
        studio=studio,
        subject_type="production",
        production=prod,
        uses=["ai_training"],
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    for n in range(SOURCES):  # each is fingerprinted by its task (run at once: no broker here)
        buf = io.BytesIO()
        picture(n, (640, 360)).save(buf, "PNG")
        services.asset_register(
            actor=None,
            production=prod,
            upload=SimpleUploadedFile(f"still_{n}.png", buf.getvalue()),
            kind="still",
        )
    missing = REGISTERED - PerceptualHash.objects.count()
    with connection.cursor() as cursor:
        # Other assets' hashes, spread at random over the 64-bit space, attached to the stills.
        cursor.execute(
            "INSERT INTO provenance_perceptualhash (asset_id, variant, hash) "
            "SELECT (SELECT min(id) FROM rightsledger_asset) + (i %% %s), 'full', "
            "(('x' || substr(md5(i::text), 1, 16))::bit(64))::bigint FROM generate_series(1, %s) AS i",
            [SOURCES, missing],
        )


def make_files(folder: Path) -> int:
    """Write FILES small JPEGs, one in COPIES_EVERY a re-encoded copy of a reserved still."""
    from demo.pictures import picture

    rng = random.Random(7)
    copies = 0
    for n in range(FILES):
        if n % COPIES_EVERY == 0:
            img, copies = picture(rng.randrange(SOURCES), (640, 360)).resize(SIZE), copies + 1
        else:
            img = picture(1_000_000 + n, SIZE)
        img.save(folder / f"{n:06d}.jpg", "JPEG", quality=80)
    return copies


def main():
    setup_django(DB)
    from multiprocessing import Pool

    from provenance.check_cli import examine
    from provenance.check_cli import main as check

    seed()
    folder = Path(tempfile.mkdtemp()) / "dataset"
    folder.mkdir()
    copies = make_files(folder)
    files = sorted(folder.iterdir())
    at = port(8762)
    url = f"http://127.0.0.1:{at}"
    with gunicorn(
        at,
        env={"TRAINING_CLEARANCE_RATE": "100000/min"},
        args=("--timeout", "300"),
        ready_path="/ledger/verifier-key",
    ):
        # Warm up: each worker loads the pHash index once (as a long-running server has).
        for _ in range(size(4, 1)):
            check([str(p) for p in files[:200]] + ["--url", url, "--output", os.devnull])
        # The anchor: the client's own hashing of the same files, with nothing sent.
        t = time.perf_counter()
        with Pool(os.cpu_count() or 2) as pool:
            pool.map(examine, files, chunksize=256)
        hashing = time.perf_counter() - t
        out = Path(tempfile.mkdtemp()) / "fingerprint.csv"
        t = time.perf_counter()
        check([str(folder), "--url", url, "--output", str(out)])
        by_print = time.perf_counter() - t
        flagged = {
            Path(line.split(",", 1)[0]).stem
            for line in out.read_text().splitlines()[1:]
            if ",not_allowed," in line
        }
        copies_found = sum(1 for stem in flagged if int(stem) % COPIES_EVERY == 0)
        sample = folder.parent / "sample"
        sample.mkdir()
        for p in files[:UPLOAD_FILES]:
            os.link(p, sample / p.name)
        t = time.perf_counter()
        check([str(sample), "--url", url, "--mode", "upload", "--output", os.devnull])
        by_upload = time.perf_counter() - t
    from provenance.models import PerceptualHash

    print_rate = FILES / by_print
    upload_rate = UPLOAD_FILES / by_upload
    report(
        "clearance",
        {
            "files": FILES,
            "registered_phashes": PerceptualHash.objects.count(),
            "copies_of_reserved_stills": copies,
            "copies_found_not_allowed": copies_found,
            "other_files_flagged": len(flagged) - copies_found,
            "other_files_note": (
                "unrelated pictures drawn by the same generator within PHASH_MAX_DISTANCE of a reserved still"
            ),
            "anchor_client_hashing_files_per_second": round(FILES / hashing),
            "fingerprint_mode_files_per_second": round(print_rate),
            "upload_mode_files_per_second": round(upload_rate, 1),
            "upload_mode_sample": UPLOAD_FILES,
            "fingerprint_over_upload": round(print_rate / upload_rate, 1),
            "goals": {"fingerprint_files_per_second": 2000, "over_upload": 10},
            "goals_met": {
                "fingerprint_files_per_second": print_rate >= 2000,
                "over_upload": print_rate / upload_rate >= 10,
            },
        },
    )


if __name__ == "__main__":
    main()
