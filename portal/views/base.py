"""What the portal's views share: the errors a form shows next to its fields, where to go after a
form, and the look-ups that answer 404 for what the user may not see."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework.exceptions import ValidationError as ApiValidationError

from generation import selectors as gen_selectors
from rightsledger import selectors as rl_selectors
from rightsledger.errors import Conflict, PayloadTooLarge
from rightsledger.imaging import ImageRefused

FORM_ERRORS = (ValidationError, ApiValidationError, Conflict, PayloadTooLarge, ImageRefused)


def next_url(request, default: str) -> str:
    """Return where to go after a form: the posted `next` if it stays on this site, else the default."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def production_or_404(user, pk):
    """Return the production if the user may see it; 404 otherwise."""
    return get_object_or_404(rl_selectors.productions_for(user), pk=pk)


def request_or_404(user, pk):
    """Return the generation request if the user may see it, with its shot, production and requester."""
    visible = gen_selectors.requests_for(user).select_related("shot", "production", "requester")
    return get_object_or_404(visible, pk=pk)
