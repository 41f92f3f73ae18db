from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as service


class NoOpApi(APIView):
    """Parses the body and answers, deciding nothing: what DRF and Django cost per request."""

    def post(self, request):
        request.data  # noqa: B018  (parsed, as the gate's body is)
        return Response({"outcome": "none"})


urlpatterns = [path("bench/noop/", NoOpApi.as_view()), *service]
