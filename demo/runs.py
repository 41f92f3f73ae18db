"""The demo's generation requests, on the seeded world."""

import datetime

from django.contrib.auth import get_user_model

from generation import services as gen
from provenance import selectors as prov
from rightsledger.models import Studio


def run_requests(write):
    """Three generation requests on the seeded data: one approved and run, one refused, one
    waiting for a clearance sign-off."""
    User = get_user_model()
    producer = User.objects.get(username="producer")
    night = Studio.objects.get(slug="harbour").productions.get(code="long-night")
    shot = night.shots.get(code="EP102_SH0040")
    plate = night.assets.get(title="Harbour rooftop plate")
    extras = night.assets.get(title="Crowd element A")
    window = dict(release_start=datetime.date(2026, 9, 1), release_end=datetime.date(2031, 8, 31))

    approved = gen.request_submit(
        actor=producer,
        production=night,
        shot=shot,
        engine="set_extension",
        parameters={"target_aspect": 2.39},
        seed=2026,
        prompt="extend the harbour rooftop to scope",
        intended_use="set_extension",
        media=["theatrical", "svod"],
        territories=["WORLD"],
        inputs=[{"asset": plate, "role": "plate"}],
        **window,
    )
    if approved.status == "approved":
        gen.request_queue(actor=producer, request=approved)
        approved.refresh_from_db()
    refused = gen.request_submit(
        actor=producer,
        production=night,
        shot=shot,
        engine="crowd_fill",
        parameters={"count": 40},
        seed=7,
        prompt="fill the quay with onlookers, Mara Vega among them",
        intended_use="crowd_fill",
        media=["theatrical"],
        territories=["US", "GB"],
        inputs=[{"asset": plate, "role": "plate"}, {"asset": extras, "role": "element"}],
        **window,
    )
    # A likeness in an atmosphere shot: the consent covers it, and a clearance user must sign off.
    reference = night.assets.get(kind="likeness_reference")
    needs_sign_off = gen.request_submit(
        actor=producer,
        production=night,
        shot=night.shots.get(code="EP102_SH0030"),
        engine="atmosphere",
        parameters={"fog_density": 0.5},
        seed=31,
        prompt="rain on the rooftop, Mara Vega looking out",
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US", "GB"],
        inputs=[
            {"asset": plate, "role": "plate"},
            {"asset": reference, "role": "likeness", "modality": "face"},
        ],
        release_start=datetime.date(2026, 9, 1),
        release_end=datetime.date(2027, 8, 31),
    )
    # A clip: rain over the moving plate, frames 0 to 35, signed as an MP4.
    moving = night.assets.get(title="Harbour rooftop moving plate")
    clip_request = gen.request_submit(
        actor=producer,
        production=night,
        shot=night.shots.get(code="EP102_SH0020"),
        engine="atmosphere",
        parameters={"fog_density": 0.35, "rain": 0.5},
        seed=2020,
        prompt="light rain over the moving rooftop plate",
        intended_use="atmosphere",
        media=["theatrical", "svod"],
        territories=["WORLD"],
        inputs=[{"asset": moving, "role": "plate", "frames": [0, 35]}],
        **window,
    )
    if clip_request.status == "approved":
        gen.request_queue(actor=producer, request=clip_request)
        clip_request.refresh_from_db()
    for req in (approved, clip_request, refused, needs_sign_off):
        decision = req.decisions.filter(kind="gate").latest("id")
        write("")
        write(
            f"Generation request {req.pk} ({req.engine} for {req.shot.code}): {decision.outcome.upper()}, "
            f"now {req.status}"
        )
        for r in decision.reasons:
            write(f"  [{r['rule']} {r['outcome']}] {r['message']}")
            if r["outcome"] != "pass" and r["remedy"]:
                write(f"      to pass: {r['remedy']}")
        output = getattr(req, "output", None)
        if output is not None:
            a = output.asset
            with a.file.open("rb") as fh:
                state = prov.verify(fh.read(), a.media_type)["validation_state"]
            timing = f", {a.frame_count} frames at {a.frame_rate:g} fps" if a.frame_count else ""
            write(
                f"  output: asset A-{a.pk}, {a.width}x{a.height}{timing} {a.media_type}, sha256 "
                f"{a.sha256[:16]}..., "
                f"Content Credentials {state}, download: /api/assets/{a.pk}/content/"
            )
