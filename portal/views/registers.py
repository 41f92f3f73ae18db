"""The registers (lists of grants, consents, reservations, assets, requests and shots, across the
productions the user may see or of one), their CSV export of selected rows, the calendar of terms
ending and its iCalendar feed."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from rightsledger import input_policy, services

from .. import calendar, registers
from .base import production_or_404

MAX_EXPORT = 5000


def _register_or_404(user, kind):
    if not registers.can_read_registers(user):
        raise PermissionDenied("Only users with a role on a production read its registers.")
    register = registers.REGISTERS.get(kind)
    if register is None:
        raise Http404("No such register.")
    return register


def _render_register(request, register, production=None, status=200, problem=""):
    params = request.GET.copy()
    if production is not None:
        params["production"] = str(production.pk)
    hide = ("production",) if production is not None else ()
    page = registers.register_page(request.user, register, params, hide=hide)
    page.update(
        production=production,
        registers=registers.REGISTERS.values(),
        problem=problem,
        export_url=reverse("portal:register_export", args=[register.kind]),
    )
    status = 400 if page["errors"] and status == 200 else status
    return render(request, "registers/list.html", page, status=status)


@login_required
@require_safe
def register_list(request, kind, production=None):
    register = _register_or_404(request.user, kind)
    prod = production_or_404(request.user, production) if production is not None else None
    return _render_register(request, register, prod)


@login_required
@require_POST
def register_export(request, kind):
    """The selected rows of a register as CSV, one named column per field."""
    register = _register_or_404(request.user, kind)
    try:
        ids = [input_policy.whole_number(v, field="selected") for v in request.POST.getlist("selected")]
    except ValidationError:
        problem = "The selection could not be read: tick rows in the first column, then export again."
        return _render_register(request, register, status=400, problem=problem)
    if not ids:
        problem = f"Select at least one {register.noun} to export: tick the boxes in the first column."
        return _render_register(request, register, status=400, problem=problem)
    if len(ids) > MAX_EXPORT:
        problem = f"Select at most {MAX_EXPORT} rows to export at once."
        return _render_register(request, register, status=400, problem=problem)
    out = io.StringIO()
    registers.export_csv(out, register, registers.export_rows(request.user, register, ids))
    stamp = timezone.now().strftime("%Y-%m-%d")
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{register.kind}_{stamp}.csv"'
    return response


@login_required
@require_safe
def terms_calendar(request):
    if not registers.can_read_registers(request.user):
        raise PermissionDenied("Only users with a role on a production see its terms ending.")
    first = calendar.month_of(request.GET.get("month"), timezone.now().date())
    if first is None:
        page = {"problem": "Give the month as year and month, such as 2026-12.", "weeks": []}
        return render(request, "registers/calendar.html", page, status=400)
    page = calendar.calendar_page(request.user, first)
    page["token"] = request.session.pop("calendar_token", "")
    return render(request, "registers/calendar.html", page)


@login_required
@require_POST
def calendar_feed(request):
    """Make a new feed address (revoking the old one), or revoke it."""
    if not registers.can_read_registers(request.user):
        raise PermissionDenied("Only users with a role on a production have a calendar feed.")
    if request.POST.get("action") == "revoke":
        services.calendar_feed_revoke(user=request.user)
    else:
        # Shown once, on the page the browser is sent to; only its hash is kept.
        request.session["calendar_token"] = services.calendar_feed_renew(user=request.user)
    month = request.POST.get("month", "")
    valid = month and calendar.month_of(month, timezone.now().date()) is not None
    return redirect(reverse("portal:calendar") + (f"?month={month}" if valid else ""))


@require_safe
def calendar_ics(request, token):
    """A user's feed of terms ending, for a calendar application (no sign-in: the token is it)."""
    user = calendar.feed_user(token)
    if user is None:
        raise Http404("No such calendar feed: it was revoked or replaced.")
    response = HttpResponse(calendar.feed_ics(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rightsledger-terms-ending.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
