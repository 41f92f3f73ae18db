"""Clearance's pages of versioned records (grants, consents, reservations): record one (a grant or a
consent with its document), read one with its versions and ledger entries, download its document,
amend it, revoke it after seeing what relied on it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from rightsledger import access, services
from rightsledger import selectors as rl_selectors
from rightsledger.api.documents import document_response, record_document_or_404
from rightsledger.api.records import RECORDS, RecordKind
from rightsledger.errors import Conflict, PayloadTooLarge
from rightsledger.models import ConsentFlag

from .. import forms, selectors
from .base import FORM_ERRORS, production_or_404


def record_kind(kind: str) -> RecordKind:
    """Return a kind of record by its name in the URL (the registry's); 404 for an unknown one."""
    try:
        return RECORDS[kind]
    except KeyError:
        raise Http404("No such kind of record.") from None


def _record(user, kind, pk):
    return get_object_or_404(record_kind(kind).visible(user), pk=pk)


def _require_change(user, record, kind):
    access.require_record_change(user, record_kind(kind).production_of(record), f"change {kind}s")


@login_required
def record_new(request, production, kind):
    parts = record_kind(kind)
    serializer_class = parts.input
    prod = production_or_404(request.user, production)
    access.require(request.user, prod, access.CLEARANCE_ROLES, f"record {kind}s")
    errors, general, values, status = {}, [], {"production": prod.pk}, 200
    if request.method == "POST":
        data = forms.form_data(serializer_class, request.POST)
        if "production" in serializer_class().fields and kind != "reservation":
            data["production"] = prod.pk
        values = {
            **request.POST.dict(),
            **{k: request.POST.getlist(k) for k in request.POST if len(request.POST.getlist(k)) > 1},
        }
        upload = request.FILES.get("document")
        try:
            parsed = serializer_class(data=data, context={"request": request})
            parsed.is_valid(raise_exception=True)
            uploaded = {"document": upload} if upload is not None and parts.document else {}
            record = parts.create(actor=request.user, **parsed.validated_data, **uploaded)
            return redirect("portal:record", kind=kind, pk=record.pk)
        except FORM_ERRORS as exc:
            errors, general = forms.field_errors(exc)
            status = 413 if isinstance(exc, PayloadTooLarge) else 400
    document = forms.document_part(
        parts, values, errors, posted=request if request.method == "POST" else None
    )
    fields = [
        f
        for f in forms.render_fields(serializer_class(context={"request": request}), values, errors)
        if not (f["name"] == "production" and kind != "reservation")
        and f["name"] not in ("studio", document and document["field"])
    ]
    return render(
        request,
        "clearance/record_form.html",
        {
            "production": prod,
            "kind": kind,
            "fields": fields,
            "general": general,
            "document": document,
            "action": "Record",
        },
        status=status,
    )


@login_required
@require_safe
def record_detail(request, kind, pk):
    record = _record(request.user, kind, pk)
    production = record_kind(kind).production_of(record)
    if production is not None and not access.holds(request.user, production, access.READ_ROLES):
        raise Http404(f"No such {kind}.")  # a guild representative reads consents on the guild's pages
    page = selectors.record_page(
        request.user, kind, record, versions=record_kind(kind).visible(request.user), production=production
    )
    return render(request, "clearance/record.html", page)


@login_required
def record_revoke(request, kind, pk):
    """Revoke a grant, consent or reservation: first what relied on it, then the revocation."""
    record = _record(request.user, kind, pk)
    _require_change(request.user, record, kind)
    impact = selectors.revocation_impact(request.user, kind, record)
    problem, status = None, 200
    if request.method == "POST":
        try:
            reason = request.POST.get("reason", "")
            new = record_kind(kind).revoke(actor=request.user, record=record, reason=reason)
            return redirect("portal:record", kind=kind, pk=new.pk)
        except FORM_ERRORS as exc:
            problem, status = forms.error_message(exc), 409 if isinstance(exc, Conflict) else 400
    return render(
        request,
        "clearance/revoke.html",
        {"kind": kind, "record": record, "impact": impact, "problem": problem},
        status=status,
    )


@login_required
def record_amend(request, kind, pk):
    record = _record(request.user, kind, pk)
    _require_change(request.user, record, kind)
    parts = record_kind(kind)
    amendable = sorted(parts.amendable)
    values = {f: getattr(record, f) for f in amendable if f != "assets"}
    if kind == "grant":
        values["assets"] = [a.pk for a in record.assets.all()]
    values = {
        k: (v.pk if hasattr(v, "pk") else v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in values.items()
    }
    errors, general, status = {}, [], 200
    if request.method == "POST":
        posted = forms.form_data(parts.input, request.POST, only=amendable)
        changes = {k: v for k, v in posted.items() if _changed(values.get(k), v)}
        upload = request.FILES.get("document") if parts.document else None
        try:
            parsed = parts.input(data=changes, context={"request": request}, partial=True)
            parsed.is_valid(raise_exception=True)
            new = parts.amend(
                actor=request.user,
                record=record,
                changes=dict(parsed.validated_data),
                reason=request.POST.get("reason", ""),
                document=upload,
            )
            return redirect("portal:record", kind=kind, pk=new.pk)
        except FORM_ERRORS as exc:
            errors, general = forms.field_errors(exc)
            values.update(posted)
            status = 409 if isinstance(exc, Conflict) else 413 if isinstance(exc, PayloadTooLarge) else 400
    document = forms.document_part(
        parts,
        values,
        errors,
        posted=request if request.method == "POST" else None,
        current=rl_selectors.record_document(record),
    )
    form = parts.input(context={"request": request})
    fields = [
        f
        for f in forms.render_fields(form, values, errors)
        if f["name"] in amendable and f["name"] != (document and document["field"])
    ]
    return render(
        request,
        "clearance/record_form.html",
        {
            "kind": kind,
            "record": record,
            "fields": fields,
            "general": general,
            "reason_errors": errors.get("reason", []),
            "document": document,
            "action": "Amend",
        },
        status=status,
    )


@login_required
@require_safe
def record_document(request, kind, pk):
    """A grant's contract or a consent's signed form, downloaded by whoever may read the record
    (a guild representative too, for the guild's members' consents)."""
    record = _record(request.user, kind, pk)
    return document_response(request, record_document_or_404(record, kind))


def _changed(old, new) -> bool:
    if isinstance(new, list):
        return sorted(map(str, new)) != sorted(map(str, old or []))
    return str(new) != str("" if old is None else old)


@login_required
@require_POST
def flag_answer(request, pk, flag):
    """Clearance's reply to a guild's flag on a consent, or (with an outcome) its resolution."""
    record = _record(request.user, "consent", pk)
    # By id: one who may not answer is refused before any other read, as for a consent that is not there.
    access.require(request.user, record.production_id, access.CLEARANCE_ROLES, "answer guilds' flags")
    found = get_object_or_404(
        ConsentFlag.objects.select_related("consent"), pk=flag, consent__chain=record.chain
    )
    outcome, text = request.POST.get("outcome", ""), request.POST.get("text", "")
    try:
        if outcome:
            services.flag_resolve(actor=request.user, flag=found, outcome=outcome, text=text)
        else:
            services.flag_reply(actor=request.user, flag=found, text=text)
    except FORM_ERRORS as exc:
        page = selectors.record_page(
            request.user,
            "consent",
            record,
            versions=record_kind("consent").visible(request.user),
            production=record.production,
        )
        page["flag_errors"] = [m for _, _, m in forms.error_items(exc)]
        return render(
            request, "clearance/record.html", page, status=409 if isinstance(exc, Conflict) else 400
        )
    return redirect(reverse("portal:record", args=["consent", record.pk]) + f"#flag-{found.pk}")
