from django.http import HttpResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as service


class NoOpApi(APIView):
    """Parses the body and answers, deciding nothing: what DRF and Django cost per request."""

    def post(self, request):
        request.data  # noqa: B018  (parsed, as the gate's body is)
        return Response({"outcome": "none"})


class ReadsOnlyApi(APIView):
    """The gate's check with everything but the policy: the same parse, reads, validation and
    snapshot statement, and an answer of the same size (the check's own, made once). What the
    framework and PostgreSQL cost per check, for the benchmark to set the check beside."""

    answer = None

    def post(self, request):
        from generation import selectors, services
        from generation.api.views import parse_request
        from generation.values import check_answer, gate_facts

        checked = services.checked_request(**parse_request(request, request.data), keep_unregistered=False)
        facts = gate_facts(checked.values, checked.inputs)
        likeness = {i.talent_id for i in facts.inputs if i.talent_id}
        snapshot, _ = selectors.snapshot(
            production_id=facts.production_id,
            inputs=list(facts.inputs),
            talent_ids=likeness,
            prompt=checked.values.prompt,
        )
        if ReadsOnlyApi.answer is None:
            from generation import policy

            ReadsOnlyApi.answer = check_answer(policy.evaluate(facts, snapshot))
        return Response({**ReadsOnlyApi.answer, "as_of_seq": snapshot.as_of_seq})


# The anchor of the tile-serving row: 8 KiB (a full hash tile's size) read once, answered as a
# tile is (same Django stack, same headers), with nothing to look up.
STATIC_TILE = bytes(range(256)) * 32


def static_tile(request):
    response = HttpResponse(STATIC_TILE, content_type="application/octet-stream")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


urlpatterns = [
    path("bench/noop/", NoOpApi.as_view()),
    path("bench/reads-only/", ReadsOnlyApi.as_view()),
    path("bench/static-tile", static_tile),
    *service,
]
