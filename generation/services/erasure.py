"""Erasure of a performer's names from the gate's records (the ledger holds none of them)."""

import re

from django.db.models import Q

from rightsledger.names import find

from ..models import Decision, GenerationRequest


def _without_names(text: str, names: list[str], talent_id: int) -> str:
    """Replace each name (as written, in any case; or as the prompt check matches it: without its
    accents, invisible characters or look-alike letters) with "talent N"."""
    for name in names:
        if name.strip():
            written = r"\s+".join(map(re.escape, name.split()))
            text = re.sub(written, f"talent {talent_id}", text, flags=re.IGNORECASE)
    for start, end in reversed(find(text, names)):
        text = f"{text[:start]}talent {talent_id}{text[end:]}"
    return text


def talent_mentions_erase(*, talent_id: int, names: list[str]) -> int:
    """Remove an erased performer's names from the prompts of the requests that involved them
    and from their decisions' reasons (inside the erasure's transaction); return the requests
    changed. The ledger holds neither: a prompt by its digest, a reason without its sentence."""
    # A performer whose face was found in an output is named in its hold's reasons (R6), though
    # the request may not have involved them.
    requests = list(
        GenerationRequest.objects.filter(
            Q(talents__id=talent_id) | Q(output__asset__face_sightings__talent_id=talent_id)
        ).distinct()
    )
    for request in requests:
        prompt = _without_names(request.prompt, names, talent_id)
        if prompt != request.prompt:
            GenerationRequest.objects.filter(pk=request.pk).update(prompt=prompt)
    for decision in Decision.objects.filter(request__in=requests):
        reasons = [{**r, "message": _without_names(r["message"], names, talent_id)} for r in decision.reasons]
        if reasons != decision.reasons:
            Decision.objects.filter(pk=decision.pk).update(reasons=reasons)
    return len(requests)
