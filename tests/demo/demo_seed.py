"""The demo's main job on its embedded defaults (SQLite, Celery eager, local files, development
CA), as `make demo` runs it, up to the server: migrate and seed_demo, and what seed_demo wrote
besides its own output. Then the clip it made is downloaded through the API and verified, and a
consent is revoked through the API (a write that signs no output: a checkpoint must cover it at
once). Run by test_sqlite.py in a process of its
own, with the Makefile's demo environment. Prints a JSON summary."""

import io
import json
import os
import re
import sys
import tempfile

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from generation.models import GenerationRequest  # noqa: E402
from provenance import selectors, services  # noqa: E402
from provenance.models import FaceSighting  # noqa: E402
from rightsledger.ledger import checkpoints  # noqa: E402
from rightsledger.models import Asset, ConsentRecord, LedgerEntry, LedgerLeaf  # noqa: E402

call_command("migrate", verbosity=0)
log = io.StringIO()
# What seed_demo writes to the process's stderr (logging included), caught at the descriptor.
with tempfile.TemporaryFile("w+") as caught:
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(caught.fileno(), 2)
    try:
        call_command("seed_demo", url="http://127.0.0.1:8000", stdout=log)
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
    caught.seek(0)
    stderr_lines = caught.read().splitlines()
clip = GenerationRequest.objects.get(inputs__asset__title="Harbour rooftop moving plate")
api = APIClient(HTTP_HOST="127.0.0.1")  # a host the demo allows
api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user__username='producer').key}")
response = api.get(f"/api/assets/{clip.output.asset_id}/content/")
data = b"".join(response.streaming_content)
# The gate's check through the API on SQLite (its written-out reads): the clip's request again,
# and with an input no one registered.
body = {
    "shot": clip.shot_id,
    "engine": clip.engine,
    "seed": clip.seed,
    "intended_use": clip.intended_use,
    "media": clip.media,
    "territories": clip.territories,
    "release_start": clip.release_start.isoformat(),
    "release_end": clip.release_end.isoformat(),
    "parameters": clip.parameters,
    "prompt": clip.prompt,
    "inputs": [
        {
            "asset": i.asset_id,
            "role": i.role,
            **({"frames": [i.frame_start, i.frame_end]} if i.frame_start is not None else {}),
        }
        for i in clip.inputs.order_by("position")
    ],
}
check = api.post("/api/generation/requests/check/", body, format="json")
unknown = api.post(
    "/api/generation/requests/check/", {**body, "inputs": [{"asset": 10**6, "role": "plate"}]}, format="json"
)
# A revocation through the API, by clearance: the checkpoint covers it when the answer comes.
clearance = APIClient(HTTP_HOST="127.0.0.1")
clearance.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user__username='clearance').key}")
consent = ConsentRecord.objects.filter(status="active").order_by("id").last()
revoked = clearance.post(
    f"/api/consents/{consent.pk}/revoke/", {"reason": "The performer withdrew."}, format="json"
)
entry = LedgerEntry.objects.filter(entry_type="consent.revoked").latest("seq")
leaf = LedgerLeaf.objects.filter(entry_id=entry.seq).first()
checkpoint = checkpoints.latest_checkpoint()
print(
    json.dumps(
        {
            "debug": settings.DEBUG,
            "token": Token.objects.get(user__username="producer").key,
            "revocation": [revoked.status_code, leaf is not None and checkpoint.size > leaf.index],
            "check": [
                check.status_code,
                check.json().get("outcome") == clip.decisions.get(kind="gate").outcome,
                unknown.status_code,
                unknown.json()["errors"][0]["code"],
            ],
            "status": clip.status,
            "http": response.status_code,
            "content_type": response["Content-Type"],
            "frames": clip.output.asset.frame_count,
            "verified": selectors.verify(data, "video/mp4")["validation_state"],
            "printed": "36 frames at 24 fps video/mp4" in log.getvalue(),
            # The still's copy with no Content Credentials left is resolved by its watermark, said so.
            "stripped_copy_resolved": bool(
                re.search(r"re-saved as JPEG .*: watermark \d+ read .* resolves to urn:", log.getvalue())
            ),
            # Time-stamped by the development TSA the demo runs, and said so.
            "time_stamped": [
                "timeStamp.trusted"
                in {
                    s["code"]
                    for s in services.read_store(data, "video/mp4")["validation_results"]["activeManifest"][
                        "success"
                    ]
                },
                "the development TSA" in log.getvalue(),
            ],
            # The crowd fill that composites the performer's portrait is held by the likeness
            # check on faces: her face found in the output, said in the printout.
            "held_by_face": [
                GenerationRequest.objects.get(inputs__asset__title="Crowd element B").status,
                FaceSighting.objects.filter(
                    asset=GenerationRequest.objects.get(inputs__asset__title="Crowd element B").output.asset,
                    talent__professional_name="Mara Vega",
                ).exists(),
                bool(
                    re.search(
                        r"face in the picture, \d+ px across: Mara Vega \(distance 0\.\d\d\)\n"
                        r"  HELD by the likeness check:\n  \[R6 needs_clearance\] Mara Vega's face appears",
                        log.getvalue(),
                    )
                ),
            ],
            # Every asset the demo seeded and made has its thumbnail; the clip's is its poster frame.
            "thumbnails": [
                not Asset.objects.filter(thumbnail__isnull=True).exists(),
                bool(clip.output.asset.thumbnail.file),
            ],
            "stderr": stderr_lines,
        }
    )
)
