"""Reads for character continuity: how the registered performers' faces compare across
generation outputs."""

from provenance import continuity
from provenance.models import FaceSighting
from rightsledger import words

from .requests import WITHHELD_STATUSES


def continuity_report(outputs, *, match_limit: float, thumbnail=None, with_shot: bool = False):
    """Return the continuity report (provenance.continuity) of these generation outputs: every face
    of a registered performer found in them (a still's, or each keyframe's of a clip), set against
    that performer's median across them. thumbnail(asset_id) gives a picture's URL for an output
    whose bytes may be shown (none for one withheld for clearance); with_shot names each output's
    shot too (a production's report). Two queries."""
    rows = {o.asset_id: o for o in outputs.select_related("request__shot", "asset").order_by("id")}
    sightings = (
        FaceSighting.objects.filter(
            asset_id__in=list(rows), talent__isnull=False, talent__erased_at__isnull=True, lab_l__isnull=False
        )
        .select_related("talent")
        .order_by("asset_id", "frame_index", "id")
    )
    appearances, names = [], {}
    for s in sightings:
        output = rows[s.asset_id]
        request = output.request
        label = f"request {request.pk} ({words.label(request.engine, 'engines')}"
        label += f", {request.shot.code})" if with_shot else ")"
        withheld = request.status in WITHHELD_STATUSES
        names[s.talent_id] = s.talent.professional_name or s.talent.legal_name
        appearances.append(
            continuity.Appearance(
                performer=s.talent_id,
                output=output.pk,
                frame=s.frame_index,
                time=s.seconds or 0.0,
                distance=s.distance or 0.0,
                lab_l=s.lab_l,
                lab_a=s.lab_a,
                lab_b=s.lab_b,
                output_label=label,
                thumbnail_url=thumbnail(output.asset_id) if thumbnail and not withheld else "",
                clip=output.asset.media_type.startswith("video/"),
            )
        )
    return continuity.report(appearances, continuity.Thresholds(match_limit=match_limit), names=names)
