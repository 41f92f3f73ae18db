"""Reads of generation requests for people (the portal and the API): a request's ledger story, the
requests and shots a user may see, the sign-off queue, the outputs withheld for clearance, and the
name an output downloads under."""

from django.db.models import Prefetch, Q

from rightsledger import access
from rightsledger.downloads import output_download_name
from rightsledger.models import LedgerEntry
from rightsledger.selectors import shots_for

from ..models import Decision, GenerationOutput, GenerationRequest, SignOff


def request_entries(request_id: int):
    """Return the ledger entries of a request's whole story, in order: the request and its state
    changes, its decisions, sign-offs and output (each of those is its own record)."""
    return LedgerEntry.objects.filter(
        Q(record_type="generation_request", record_id=request_id)
        | Q(record_type="decision", record_id__in=Decision.objects.filter(request_id=request_id).values("id"))
        | Q(record_type="sign_off", record_id__in=SignOff.objects.filter(request_id=request_id).values("id"))
        | Q(
            record_type="generation_output",
            record_id__in=GenerationOutput.objects.filter(request_id=request_id).values("id"),
        )
    ).order_by("seq")


def requests_for(user):
    """Return the generation requests of the productions the user may see, newest first."""
    return access.filter_by_production(GenerationRequest.objects.all(), user).order_by("-id")


# An output whose request has these statuses is withheld: its bytes (and its picture) are served
# to nobody until a clearance user releases it.
WITHHELD_STATUSES = ("held", "refused")


def withheld_output_assets():
    """Return the ids of the assets that are outputs withheld for clearance (a subquery)."""
    return GenerationOutput.objects.filter(request__status__in=WITHHELD_STATUSES).values("asset_id")


def shots_with_generations(user, production_id: int):
    """Return the production's shots, each with its requests (newest first) and their outputs
    (with their thumbnails): three queries, whatever the number of shots and requests."""
    requests = GenerationRequest.objects.select_related("output__asset__thumbnail", "requester").order_by(
        "-id"
    )
    return (
        shots_for(user)
        .filter(production_id=production_id)
        .prefetch_related(Prefetch("generation_requests", queryset=requests))
        .order_by("code")
    )


def sign_off_queue(user):
    """Return the requests awaiting a sign-off (or holding an output for clearance) in the
    productions where the user is clearance, oldest first."""
    qs = GenerationRequest.objects.filter(status__in=("needs_clearance", "held")).select_related(
        "shot", "production", "requester"
    )
    return access.filter_by_production(qs, user, roles=access.CLEARANCE_ROLES).order_by("id")


def output_file_name(request, media_type: str) -> str:
    """Return the name a request's output downloads under (EP102_SH0010_set_extension_r5.png)."""
    return output_download_name(
        production=request.production,
        shot_code=request.shot.code,
        intended_use=request.intended_use,
        request_id=request.pk,
        media_type=media_type,
    )
