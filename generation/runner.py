"""The one way to start an engine: with an approved decision taken at run time."""

import tempfile
from pathlib import Path

from django.conf import settings

from .engines import EngineInput, EngineResult, get_engine
from .engines import label as labels
from .models import Decision


class NotApproved(Exception):
    """An engine was asked to start without an approved run-time decision for its request."""


def engine_start(*, decision: Decision, watermark: int | None = None) -> EngineResult:
    """Run the request's engine on its inputs, if and only if the decision allows it.

    The decision must be a saved run-time check (kind run_check) whose outcome is approved, and
    the latest such check of a request that is running. A clip's frames are labelled (where the
    production burns in a visible label) and marked with the watermark identifier as they are
    rendered.
    """
    if not isinstance(decision, Decision) or decision.pk is None:
        raise NotApproved("An engine starts only with a recorded decision.")
    if decision.kind != "run_check" or decision.outcome != "approved":
        raise NotApproved(
            f"Decision {decision.pk} is a {decision.kind} decision with outcome "
            f"{decision.outcome}; an engine needs an approved run-time check."
        )
    request = decision.request
    latest = request.decisions.filter(kind="run_check").latest("id")
    if latest.pk != decision.pk:
        raise NotApproved(f"Decision {decision.pk} is not the request's latest run-time check ({latest.pk}).")
    if request.status != "running":
        raise NotApproved(f"Request {request.pk} is {request.status}, not running.")
    engine = get_engine(request.engine)
    if engine is None or engine.version != request.engine_version:
        raise NotApproved(f"Engine {request.engine} {request.engine_version} is not available here.")
    inputs = []
    for i in request.inputs.select_related("asset").order_by("position"):
        if i.asset.media_type.startswith("video/"):
            # A clip is streamed from its file, frame by frame, never read whole.
            inputs.append(
                EngineInput(
                    role=i.role,
                    data=b"",
                    media_type=i.asset.media_type,
                    open=_opener(i.asset),
                    frames=i.frames,
                )
            )
            continue
        with i.asset.file.open("rb") as fh:
            inputs.append(EngineInput(role=i.role, data=fh.read(), media_type=i.asset.media_type))
    label = labels.label_of(request.production)
    return engine.run(inputs, request.parameters, request.seed, workdir(), watermark=watermark, label=label)


def workdir() -> str:
    """Where engines write clip outputs before they are signed and stored: a local folder of
    temporary files (GENERATION_WORK_DIR, by default under the system's temporary folder), never
    the storage. Every file an engine writes there is removed when its run ends (request_run)."""
    path = Path(settings.GENERATION_WORK_DIR or tempfile.gettempdir()) / "rightsledger-work"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def _opener(asset):
    return lambda: asset.file.storage.open(asset.file.name, "rb")
