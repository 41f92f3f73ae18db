"""A studio's people, for its admin: each person's second factors, and resetting them, after a
confirmation, for one who has lost every device."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from .. import second_factor_reset as reset
from .. import two_factor


@login_required
@require_safe
def people(request):
    """The people who hold a role in the admin's studios, with their second factors."""
    reset.require_people_admin(request.user)
    return render(request, "people/list.html", {"people": reset.people_factors(request.user)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def second_factor_reset(request, pk: int):
    """Reset a person's second factor: a page that says what will happen, then the POST that does it.
    One who holds no role in the admin's studios answers as one who does not exist."""
    reset.require_people_admin(request.user)
    person = reset.people_of(request.user).filter(pk=pk).first()
    if person is None:
        return render(request, "people/second_factor_reset.html", {"gone": True}, status=404)
    if request.method == "POST":
        reset.second_factor_reset(actor=request.user, person=person)
        return redirect(reverse("portal:people") + f"?reset={person.pk}")
    return render(
        request,
        "people/second_factor_reset.html",
        {
            "person": person,
            "devices": two_factor.devices_of(person),
            "codes_left": two_factor.recovery_codes_left(person),
        },
    )
