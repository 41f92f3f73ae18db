"""The demo's generation requests, on the seeded world."""

import datetime
import io

from django.contrib.auth import get_user_model

from generation import services as gen
from provenance import selectors as prov
from provenance import softbinding
from provenance.models import FaceSighting
from provenance.services.watermarks import watermark_read_bytes
from rightsledger.imaging import open_image
from rightsledger.models import Studio


def run_requests(write):
    """Five generation requests on the seeded data: a still and a clip approved and run, a crowd
    fill run and held by the likeness check, one refused, one waiting for a clearance sign-off."""
    User = get_user_model()
    producer = User.objects.get(username="producer")
    night = Studio.objects.get(slug="harbour").productions.get(code="long-night")
    shot = night.shots.get(code="EP102_SH0040")
    plate = night.assets.get(title="Harbour rooftop plate")
    extras = night.assets.get(title="Crowd element A")
    window = dict(release_start=datetime.date(2026, 9, 1), release_end=datetime.date(2031, 8, 31))

    def submit(*, queue: bool = False, **fields):
        """Submit a request by the producer, for EP102_SH0040 in the release window unless fields say
        otherwise, and return it; with queue, queue it if the gate approved it."""
        req = gen.request_submit(**{"actor": producer, "production": night, "shot": shot, **window, **fields})
        if queue and req.status == "approved":
            gen.request_queue(actor=producer, request=req)
            req.refresh_from_db()
        return req

    approved = submit(
        queue=True,
        engine="set_extension",
        parameters={"target_aspect": 2.39},
        seed=2026,
        prompt="extend the harbour rooftop to scope",
        intended_use="set_extension",
        media=["theatrical", "svod"],
        territories=["WORLD"],
        inputs=[{"asset": plate, "role": "plate"}],
    )
    refused = submit(
        engine="crowd_fill",
        parameters={"count": 40},
        seed=7,
        prompt="fill the quay with onlookers, Mara Vega among them",
        intended_use="crowd_fill",
        media=["theatrical"],
        territories=["US", "GB"],
        inputs=[{"asset": plate, "role": "plate"}, {"asset": extras, "role": "element"}],
    )
    # A likeness in an atmosphere shot: the consent covers it, and a clearance user must sign off.
    reference = night.assets.get(kind="likeness_reference")
    needs_sign_off = submit(
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
    # A crowd fill with an onlooker cut from Mara Vega's reference portrait: the gate sees no face
    # in the element (too small), the crowd fill enlarges it, and the likeness check finds her face
    # in the output and holds it (R6): none of the request's consents covers her.
    onlooker = night.assets.get(title="Crowd element B")
    held = submit(
        queue=True,
        engine="crowd_fill",
        parameters={"count": 1, "near_scale": 0.95, "far_scale": 0.95, "horizon": 0.9, "colour_match": 0.2},
        seed=3,
        prompt="one onlooker at the quay's edge",
        intended_use="crowd_fill",
        media=["theatrical"],
        territories=["US", "GB"],
        inputs=[{"asset": plate, "role": "plate"}, {"asset": onlooker, "role": "element"}],
    )
    # A clip: rain over the moving plate, frames 0 to 35, signed as an MP4.
    moving = night.assets.get(title="Harbour rooftop moving plate")
    clip_request = submit(
        queue=True,
        shot=night.shots.get(code="EP102_SH0020"),
        engine="atmosphere",
        parameters={"fog_density": 0.35, "rain": 0.5},
        seed=2020,
        prompt="light rain over the moving rooftop plate",
        intended_use="atmosphere",
        media=["theatrical", "svod"],
        territories=["WORLD"],
        inputs=[{"asset": moving, "role": "plate", "frames": [0, 35]}],
    )
    for req in (approved, clip_request, held, refused, needs_sign_off):
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
            if not a.frame_count and req.status != "held":
                _stripped_copy(a, write)
            _faces_found(req, a, write)


def _faces_found(req, asset, write):
    """Say which faces the likeness check found in an output, and why it was held if it was."""
    for seen in (
        FaceSighting.objects.filter(asset=asset).select_related("talent").order_by("frame_index", "id")
    ):
        where = "in the picture" if seen.seconds is None else f"at {seen.seconds:g} s"
        if seen.skipped:
            write(f"  face {where}: {seen.skipped}")
        elif seen.talent is not None:
            name = seen.talent.professional_name or seen.talent.legal_name
            write(f"  face {where}, {seen.size} px across: {name} (distance {seen.distance:.2f})")
        else:
            write(f"  face {where}, {seen.size} px across: no registered performer")
    hold = req.decisions.filter(kind="likeness_check").order_by("id").last()
    if hold is not None:
        write("  HELD by the likeness check:")
        for r in hold.reasons:
            write(f"  [{r['rule']} {r['outcome']}] {r['message']}")


def _stripped_copy(asset, write):
    """Show how a copy with no Content Credentials left (the output re-saved as a JPEG, as a
    platform's upload does) is resolved: by the watermark in its pixels, through the soft-binding
    resolution API's own lookup."""
    with asset.file.open("rb") as fh:
        picture = open_image(fh.read()).convert("RGB")
    buf = io.BytesIO()
    picture.save(buf, "JPEG", quality=80)
    copy = buf.getvalue()
    reading = watermark_read_bytes(copy, "image/jpeg")
    found = softbinding.by_content(copy, None, 1)
    write(
        f"  a copy re-saved as JPEG (no Content Credentials left): watermark {reading.identifier} read "
        f"from its pixels; POST it to /api/c2pa/v1/matches/byContent and it resolves to "
        f"{found[0]['manifestId'] if found else 'nothing'}"
    )
