"""The portal's pages. Each view parses, checks access (rightsledger.access), calls one service or
selector (the same ones the API calls), and renders. A page of a production the user cannot see
answers 404; a form shows the service's own messages next to the field they name."""

import datetime
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError

from generation import selectors as gen_selectors
from generation import services as gen
from generation.api.views import parse_request
from generation.engines import all_engines
from generation.models import INPUT_ROLES
from provenance import lineage
from rightsledger import aipref
from provenance.clearance import verdict
from provenance.selectors import sniff_media_type, verify
from rightsledger import access, csvexport, selectors, services, vocab
from rightsledger.api import serializers as rs
from rightsledger import inputs as parse
from rightsledger.errors import Conflict, PayloadTooLarge
from rightsledger.imaging import ImageRefused
from rightsledger.ledger import checkpoints

from . import forms

FORM_ERRORS = (ValidationError, ApiValidationError, Conflict, PayloadTooLarge, ImageRefused)


def _next(request, default: str) -> str:
    """Where to go after a form: the posted `next` if it stays on this site, else the default."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _production(user, pk):
    return get_object_or_404(selectors.productions_for(user), pk=pk)


# --- Start pages -----------------------------------------------------------------------------------


@require_safe
def home(request):
    """Each role's start page: clearance its queue, a producer their shots, a guild its members'
    consents, an auditor the productions; anyone else the public page."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "public/landing.html")
    roles = access.roles_of(user)
    held = set().union(*roles.productions.values()) if roles.productions else set()
    if roles.superuser or held & access.CLEARANCE_ROLES:
        return redirect("portal:clearance")
    if vocab.ROLE_PRODUCER in held:
        producing = sorted(pid for pid, r in roles.productions.items() if vocab.ROLE_PRODUCER in r)
        return redirect("portal:shots", production=producing[0])
    if roles.guilds:
        return redirect("portal:guild_consents")
    if held:
        return redirect("portal:productions")
    return render(request, "public/landing.html", {"no_roles": True})


@login_required
@require_safe
def productions(request):
    return render(request, "producer/productions.html", {"productions": selectors.productions_for(request.user).select_related("studio")})


# --- Producer ----------------------------------------------------------------------------------------


@login_required
@require_safe
def shots(request, production):
    prod = _production(request.user, production)
    return render(request, "producer/shots.html", {
        "production": prod,
        "shots": gen_selectors.shots_with_generations(request.user, prod.pk),
        "may_request": access.holds(request.user, prod, access.SHOT_ROLES),
        "may_import": access.holds(request.user, prod, access.CLEARANCE_ROLES),
    })


TIMELINE_MAX_BYTES = 10 * 1024 * 1024


@login_required
def timeline(request, production):
    """Import the edit: an .otio, CMX 3600 .edl or FCP .xml; a shot per clip. A dry run (the
    default) shows what would be created or changed; nothing is written unless it is unticked."""
    from tracker import services as tracker
    from tracker import timeline as tl

    prod = _production(request.user, production)
    access.require(request.user, prod, access.CLEARANCE_ROLES, "import the edit")
    context, status = {"production": prod, "dry_run": True}, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        context["dry_run"] = dry_run = request.POST.get("dry_run") == "on"
        try:
            if upload is None:
                raise tl.TimelineError("Choose the timeline file to import.")
            if upload.size > TIMELINE_MAX_BYTES:
                raise tl.TimelineError(f"The file is {upload.size:,} bytes; a timeline is at most {TIMELINE_MAX_BYTES:,} bytes.")
            rows = tl.read(upload.read(), upload.name)
            plan = tracker.timeline_import(actor=request.user, production=prod, rows=rows, dry_run=dry_run)
            context.update(plan=plan, clips=len(rows), name=upload.name)
        except tl.TimelineError as exc:
            context["problem"], status = str(exc), 400
        except FORM_ERRORS as exc:
            context["problem"] = exc.message if isinstance(exc, Conflict) else "; ".join(m for _, _, m in forms.error_items(exc)) or str(exc)
            status = 400
    return render(request, "producer/timeline.html", context, status=status)


@login_required
@require_safe
def timeline_export(request, production):
    """The production's shots as an OTIO timeline whose clips say what was decided."""
    from tracker.selectors import timeline_export as export

    prod = _production(request.user, production)
    response = HttpResponse(export(prod), content_type="application/vnd.opentimelineio+json")
    response["Content-Disposition"] = f'attachment; filename="{prod.code}.otio"'
    return response


def _request_form_data(request) -> dict:
    """The posted request form, shaped as the API's input: inputs from the ticked assets and the
    uploaded files, each with its role."""
    post = request.POST
    inputs = [{"asset": parse.whole_number(a, field="inputs", minimum=1),
               "role": post.get(f"role_{a}", "plate")}
              for a in post.getlist("asset")]
    for name in sorted(request.FILES):
        if name.startswith("upload_"):
            inputs.append({"upload": name, "role": post.get(f"{name}_role", "reference")})
    data = forms.form_data(_RequestFields, post)
    data["inputs"] = inputs
    data["parameters"] = parse.json_value(post.get("parameters") or "{}", field="parameters")
    return data


class _RequestFields(rs.StrictSerializer):
    """The request form's plain fields, as the API's RequestIn names them."""

    shot = serializers.CharField()
    engine = serializers.CharField()
    prompt = serializers.CharField(required=False)
    seed = serializers.CharField()
    intended_use = serializers.CharField()
    media = rs.strings()
    territories = rs.strings()
    languages = rs.strings(required=False)
    release_start = serializers.CharField()
    release_end = serializers.CharField()


def _request_context(request, prod, values=None, errors=None, general=None):
    assets = selectors.assets_for(request.user).filter(production=prod).exclude(origin="generated").order_by("id")
    return {
        "production": prod,
        "shots": prod.shots.order_by("code"),
        "engines": sorted(all_engines().values(), key=lambda e: e.name),
        "assets": assets,
        "roles": INPUT_ROLES,
        "uses": vocab.GENERATION_USES,
        "media": vocab.MEDIA,
        "values": values or {"media": ["theatrical"], "territories": "WORLD", "seed": 1, "parameters": "{}",
                             "release_start": datetime.date.today().isoformat(),
                             "release_end": (datetime.date.today() + datetime.timedelta(days=365)).isoformat()},
        "errors": errors or {},
        "general": general or [],
    }


@login_required
def request_new(request, production):
    prod = _production(request.user, production)
    access.require(request.user, prod, access.SHOT_ROLES, "request generations")
    if request.method != "POST":
        return render(request, "producer/request_new.html", _request_context(request, prod))
    try:
        req = gen.request_submit(actor=request.user, **parse_request(request, _request_form_data(request)))
    except FORM_ERRORS as exc:
        errors, general = forms.field_errors(exc)
        values = {**request.POST.dict(), "media": request.POST.getlist("media"), "asset": request.POST.getlist("asset")}
        return render(request, "producer/request_new.html", _request_context(request, prod, values, errors, general), status=400)
    return redirect("portal:request", pk=req.pk)


@login_required
@require_POST
def request_preview(request, production):
    """What the gate would decide for the form as it stands, recording nothing (htmx)."""
    prod = _production(request.user, production)
    access.require(request.user, prod, access.SHOT_ROLES, "request generations")
    try:
        outcome = gen.request_check(**parse_request(request, _request_form_data(request)))
    except FORM_ERRORS as exc:
        errors, general = forms.field_errors(exc)
        return render(request, "producer/_preview.html", {"problems": general + [f"{f.replace('_', ' ')}: {m}" for f, ms in errors.items() for m in ms]})
    return render(request, "producer/_preview.html", {"outcome": outcome.outcome, "reasons": outcome.to_json()})


def _request(user, pk):
    return get_object_or_404(gen_selectors.requests_for(user).select_related("shot", "production", "requester"), pk=pk)


def _request_page(request, req):
    decisions = list(req.decisions.all())
    output = getattr(req, "output", None) if req.status in ("succeeded", "held", "refused") else None
    credentials = None
    if output is not None and req.status == "succeeded":
        with output.asset.file.open("rb") as fh:
            credentials = verify(fh.read(), output.asset.media_type)
    return {
        "req": req,
        "revoked": gen_selectors.revoked_since(decisions[-1]) if decisions else [],
        "decision": decisions[-1] if decisions else None,
        "decisions": decisions,
        "inputs": req.inputs.select_related("asset"),
        "sign_offs": req.sign_offs.select_related("approver"),
        "output": output,
        "credentials": credentials,
        "may_clear": access.holds(request.user, req.production_id, access.CLEARANCE_ROLES),
        "may_queue": access.holds(request.user, req.production_id, access.SHOT_ROLES),
        "live": req.status in ("queued", "running"),
    }


@login_required
@require_safe
def request_detail(request, pk):
    return render(request, "producer/request.html", _request_page(request, _request(request.user, pk)))


@login_required
@require_safe
def request_status(request, pk):
    """The status panel alone, polled by htmx while the request is queued or running."""
    return render(request, "producer/_status.html", _request_page(request, _request(request.user, pk)))


@login_required
@require_POST
def request_queue(request, pk):
    req = _request(request.user, pk)
    access.require(request.user, req.production, access.SHOT_ROLES, "queue generations")
    try:
        gen.request_queue(actor=request.user, request=req)
    except Conflict as exc:
        return render(request, "producer/request.html", {**_request_page(request, req), "problem": exc.message}, status=409)
    return redirect("portal:request", pk=req.pk)


@login_required
@require_safe
def output_file(request, pk, inline=False):
    """The signed output: downloaded, or shown inline as a preview. Withheld while it is held."""
    req = _request(request.user, pk)
    output = getattr(req, "output", None)
    if output is None:
        raise Http404("This request has no output.")
    if req.status != "succeeded":
        raise PermissionDenied("The output is held for clearance: its bytes are withheld until a clearance user releases it.")
    asset = output.asset
    response = FileResponse(asset.file.open("rb"), content_type=asset.media_type, as_attachment=not inline,
                            filename=f"{req.shot.code}_request{req.pk}.{asset.media_type.split('/')[-1]}")
    return aipref.reserve(response, request)  # AI Preferences, TDMRep and the robots convention


# --- Clearance -----------------------------------------------------------------------------------


@login_required
@require_safe
def clearance(request):
    """Clearance's start page: the sign-off queue, terms ending soon, notifications."""
    if not (access.production_ids(request.user, access.CLEARANCE_ROLES) or access.roles_of(request.user).superuser):
        raise PermissionDenied("Only clearance users and studio admins have a sign-off queue.")
    return render(request, "clearance/queue.html", {
        "queue": gen_selectors.sign_off_queue(request.user),
        "expiring": selectors.expiring_for(request.user, within_days=30),
        "notifications": selectors.notifications_for(request.user)[:20],
        "productions": selectors.productions_for(request.user),
    })


@login_required
@require_POST
def notifications_read(request):
    services.notifications_read(user=request.user)
    return redirect(_next(request, reverse("portal:home")))


@login_required
@require_POST
def request_sign_off(request, pk):
    req = _request(request.user, pk)
    access.require(request.user, req.production, access.CLEARANCE_ROLES, "sign off generation requests")
    approve = request.POST.get("decision") == "approve"
    try:
        gen.request_sign_off(actor=request.user, request=req, approve=approve, comment=request.POST.get("comment", ""))
    except (ValidationError, Conflict, PermissionDenied) as exc:
        message = exc.message if isinstance(exc, Conflict) else "; ".join(m for _, _, m in forms.error_items(exc)) or str(exc)
        return render(request, "producer/request.html", {**_request_page(request, req), "problem": message}, status=400 if isinstance(exc, ValidationError) else 409 if isinstance(exc, Conflict) else 403)
    return redirect(_next(request, reverse("portal:request", args=[req.pk])))


@login_required
def assets(request, production):
    prod = _production(request.user, production)
    errors, general, status = {}, [], 200
    if request.method == "POST":
        access.require(request.user, prod, access.CLEARANCE_ROLES, "register assets")
        data = forms.form_data(rs.AssetIn, request.POST)
        data.update(production=prod.pk, file=request.FILES.get("file"))
        try:
            parsed = rs.AssetIn(data=data, context={"request": request})
            parsed.is_valid(raise_exception=True)
            values = parsed.validated_data
            asset, _ = services.asset_register(actor=request.user, production=prod, upload=values["file"], kind=values["kind"],
                                               owner=values["owner"], talent=values["talent"], title=values["title"])
            return redirect("portal:asset", pk=asset.pk)
        except FORM_ERRORS as exc:
            errors, general = forms.field_errors(exc)
            status = 413 if isinstance(exc, PayloadTooLarge) else 400
    upload = rs.AssetIn(context={"request": request})
    fields = [f for f in forms.render_fields(upload, request.POST if request.method == "POST" else {}, errors) if f["name"] not in ("production", "file")]
    return render(request, "clearance/assets.html", {
        "production": prod,
        "assets": selectors.assets_for(request.user).filter(production=prod).select_related("owner", "talent").order_by("-id"),
        "fields": fields, "file_errors": errors.get("file", []), "general": general,
        "may_register": access.holds(request.user, prod, access.CLEARANCE_ROLES),
    }, status=status)


@login_required
@require_safe
def asset_detail(request, pk):
    from provenance.models import AssetCredential

    asset = get_object_or_404(selectors.assets_for(request.user).select_related("production", "owner", "talent"), pk=pk)
    found = lineage.lineage_for(request.user, asset.pk)
    return render(request, "clearance/asset.html", {
        "asset": asset,
        "grants": selectors.grants_for(request.user).filter(assets=asset, replaced_by__isnull=True),
        "consents": selectors.consents_for(request.user).filter(talent_id=asset.talent_id, replaced_by__isnull=True) if asset.talent_id else [],
        "reservations": selectors.reservations_for(request.user).filter(asset=asset, replaced_by__isnull=True),
        "credential": AssetCredential.objects.filter(asset=asset).first(),
        "matches": _fingerprint_matches(request.user, asset),
        "lineage": found,
    })


def _fingerprint_matches(user, asset):
    """Other assets the user may see within PHASH_MAX_DISTANCE of any of this one's pHashes."""
    from provenance.models import PerceptualHash
    from provenance.similarity import near_by_phash

    mine = list(PerceptualHash.objects.filter(asset=asset).values_list("hash", flat=True))
    near = set().union(*near_by_phash(mine)) - {asset.pk} if mine else set()
    return selectors.assets_for(user).filter(pk__in=near).order_by("id")[:20]


# --- Records: grants, consents, reservations ------------------------------------------------------

KINDS = {
    "grant": (services.GRANT_AMENDABLE, rs.GrantIn, services.grant_create, services.grant_amend, services.grant_revoke, selectors.grants_for),
    "consent": (services.CONSENT_AMENDABLE, rs.ConsentIn, services.consent_create, services.consent_amend, services.consent_revoke,
                selectors.consents_for),
    "reservation": (services.RESERVATION_AMENDABLE, rs.ReservationIn, services.reservation_create, services.reservation_amend,
                    services.reservation_revoke, selectors.reservations_for),
}


def _kind(kind):
    if kind not in KINDS:
        raise Http404("No such kind of record.")
    return KINDS[kind]


@login_required
def record_new(request, production, kind):
    _, serializer_class, create, *_ = _kind(kind)
    prod = _production(request.user, production)
    access.require(request.user, prod, access.CLEARANCE_ROLES, f"record {kind}s")
    errors, general, values, status = {}, [], {"production": prod.pk}, 200
    if request.method == "POST":
        data = forms.form_data(serializer_class, request.POST)
        if "production" in serializer_class().fields and kind != "reservation":
            data["production"] = prod.pk
        values = {**request.POST.dict(), **{k: request.POST.getlist(k) for k in request.POST if len(request.POST.getlist(k)) > 1}}
        try:
            parsed = serializer_class(data=data, context={"request": request})
            parsed.is_valid(raise_exception=True)
            record = create(actor=request.user, **parsed.validated_data)
            return redirect("portal:record", kind=kind, pk=record.pk)
        except FORM_ERRORS as exc:
            errors, general = forms.field_errors(exc)
            status = 400
    fields = [f for f in forms.render_fields(serializer_class(context={"request": request}), values, errors)
              if not (f["name"] == "production" and kind != "reservation") and f["name"] != "studio"]
    return render(request, "clearance/record_form.html", {"production": prod, "kind": kind, "fields": fields, "general": general,
                                                          "action": "Record"}, status=status)


def _impact(user, kind, record):
    """Return what relied on a grant or consent, of what the user may read (None for a reservation)."""
    return gen_selectors.revocation_impact(kind, record.chain, user=user) if kind in ("grant", "consent") else None


def _record(user, kind, pk):
    *_, visible = _kind(kind)
    return get_object_or_404(visible(user), pk=pk)


@login_required
@require_safe
def record_detail(request, kind, pk):
    record = _record(request.user, kind, pk)
    production = services.record_production(record)
    if production is not None and not access.holds(request.user, production, access.READ_ROLES):
        raise Http404(f"No such {kind}.")  # a guild representative reads consents on the guild's pages
    *_, visible = KINDS[kind]
    versions = visible(request.user).filter(chain=record.chain).order_by("version")
    entries = selectors.ledger_entries_for(request.user).filter(record_type=kind, chain=record.chain).order_by("seq")
    impact = _impact(request.user, kind, record)
    return render(request, "clearance/record.html", {
        "kind": kind, "record": record, "versions": versions, "entries": entries, "impact": impact,
        "fields": [(f.replace("_", " "), getattr(record, f)) for f in type(record).record_fields() if f != "assets"],
        "assets": record.assets.all() if kind == "grant" else None,
        "current": not versions.filter(replaces=record).exists() and record.status == "active",
        "may_change": production is not None and access.holds(request.user, production, access.CLEARANCE_ROLES)
        or production is None and access.can_register_talent(request.user),
    })


def _require_change(user, record, kind):
    production = services.record_production(record)
    if production is not None:
        access.require(user, production, access.CLEARANCE_ROLES, f"change {kind}s")
    elif not access.can_register_talent(user):
        raise PermissionDenied(f"Only clearance users and studio admins may change {kind}s.")


@login_required
def record_revoke(request, kind, pk):
    """Revoke a grant, consent or reservation: first what relied on it, then the revocation."""
    record = _record(request.user, kind, pk)
    _require_change(request.user, record, kind)
    revoke = KINDS[kind][4]
    impact = _impact(request.user, kind, record)
    problem, status = None, 200
    if request.method == "POST":
        try:
            new = revoke(actor=request.user, **{kind: record}, reason=request.POST.get("reason", ""))
            return redirect("portal:record", kind=kind, pk=new.pk)
        except FORM_ERRORS as exc:
            problem, status = "; ".join(m for _, _, m in forms.error_items(exc)), 409 if isinstance(exc, Conflict) else 400
    return render(request, "clearance/revoke.html", {"kind": kind, "record": record, "impact": impact, "problem": problem}, status=status)


@login_required
def record_amend(request, kind, pk):
    record = _record(request.user, kind, pk)
    _require_change(request.user, record, kind)
    amendable, serializer_class, _, amend, *_ = KINDS[kind]
    amendable = sorted(amendable)
    values = {f: getattr(record, f) for f in amendable if f != "assets"}
    if kind == "grant":
        values["assets"] = [a.pk for a in record.assets.all()]
    values = {k: (v.pk if hasattr(v, "pk") else v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
    errors, general, status = {}, [], 200
    if request.method == "POST":
        posted = forms.form_data(serializer_class, request.POST, only=amendable)
        changes = {k: v for k, v in posted.items() if _changed(values.get(k), v)}
        try:
            parsed = serializer_class(data=changes, context={"request": request}, partial=True)
            parsed.is_valid(raise_exception=True)
            new = amend(actor=request.user, **{kind: record}, changes=dict(parsed.validated_data), reason=request.POST.get("reason", ""))
            return redirect("portal:record", kind=kind, pk=new.pk)
        except FORM_ERRORS as exc:
            errors, general = forms.field_errors(exc)
            values.update(posted)
            status = 400 if not isinstance(exc, Conflict) else 409
    fields = [f for f in forms.render_fields(serializer_class(context={"request": request}), values, errors) if f["name"] in amendable]
    return render(request, "clearance/record_form.html", {"kind": kind, "record": record, "fields": fields, "general": general,
                                                          "reason_errors": errors.get("reason", []), "action": "Amend"}, status=status)


def _changed(old, new) -> bool:
    if isinstance(new, list):
        return sorted(map(str, new)) != sorted(map(str, old or []))
    return str(new) != str("" if old is None else old)


# --- Shot audit ----------------------------------------------------------------------------------------


def _audit(user, pk):
    shot = get_object_or_404(selectors.shots_for(user).select_related("production"), pk=pk)
    return shot, gen_selectors.shot_audit(shot)


@login_required
@require_safe
def shot_audit(request, pk):
    shot, audit = _audit(request.user, pk)
    return render(request, "audit/shot.html", {"shot": shot, "audit": audit, "checkpoint": checkpoints.latest_checkpoint()})


@login_required
@require_safe
def shot_audit_csv(request, pk):
    shot, audit = _audit(request.user, pk)
    buf = io.StringIO()
    writer = csvexport.writer(buf)
    writer.writerow(["request", "status", "decision", "kind", "outcome", "rule", "subject", "records", "message", "ledger_seq", "in_checkpoint"])
    for g in audit["generations"]:
        for d in g["decisions"]:
            for r in d.reasons:
                writer.writerow([g["request"].pk, g["request"].status, d.pk, d.kind, d.outcome, r["rule"], r["subject"],
                                 " ".join(f"{x['type']}:{x['id']}@{x.get('seq') or ''}" for x in r["records"]), r["message"], d.ledger_seq,
                                 "yes" if d.ledger_seq in audit["covered"] else "no"])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{shot.code}-audit.csv"'
    return response


@login_required
@require_safe
def shot_audit_prov(request, pk):
    shot, audit = _audit(request.user, pk)
    found = [lineage.lineage_for(request.user, g["output"].asset_id) for g in audit["generations"] if g["output"]]
    assets = {a.pk: a for f in found if f for a in f.assets}
    edges = {e.pk: e for f in found if f for e in f.edges}
    doc = lineage.prov_document(list(assets.values()), list(edges.values()))
    response = HttpResponse(doc.serialize(format="json"), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{shot.code}-prov.json"'
    return response


@login_required
@require_safe
def shot_audit_pdf(request, pk):
    from weasyprint import HTML

    shot, audit = _audit(request.user, pk)
    html = render(request, "audit/shot_report.html", {"shot": shot, "audit": audit, "checkpoint": checkpoints.latest_checkpoint()}).content.decode()
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{shot.code}-audit.pdf"'
    return response


# --- Guild representatives -------------------------------------------------------------------------


def _guild_consent(user, pk):
    if not access.roles_of(user).guilds and not access.roles_of(user).superuser:
        raise PermissionDenied("Only guild representatives see members' consent records here.")
    return get_object_or_404(selectors.consents_for(user).select_related("talent", "production"), pk=pk)


@login_required
@require_safe
def guild_consents(request):
    if not access.roles_of(request.user).guilds and not access.roles_of(request.user).superuser:
        raise PermissionDenied("Only guild representatives see members' consent records here.")
    records = selectors.consents_for(request.user).filter(replaced_by__isnull=True).select_related("talent", "production").order_by("talent__legal_name", "id")
    return render(request, "guild/consents.html", {"consents": records})


def _guild_consent_page(request, consent, status=200, **extra):
    versions = list(selectors.consents_for(request.user).filter(chain=consent.chain).order_by("version"))
    entries = selectors.ledger_entries_for(request.user).filter(record_type="consent", chain=consent.chain).order_by("seq")
    return render(request, "guild/consent.html", {"consent": consent, "versions": versions, "current": versions[-1], "entries": entries,
                                                  "flags": consent.flags.filter(guild_id__in=access.roles_of(request.user).guilds), **extra},
                  status=status)


@login_required
@require_safe
def guild_consent(request, pk):
    return _guild_consent_page(request, _guild_consent(request.user, pk))


@login_required
@require_POST
def guild_flag(request, pk):
    from rightsledger.models import Guild

    consent = _guild_consent(request.user, pk)
    guilds = access.roles_of(request.user).guilds & set(consent.talent.memberships.values_list("guild_id", flat=True))
    if not guilds:
        raise PermissionDenied("Only a representative of the performer's guild may flag this record.")
    try:
        services.consent_flag(actor=request.user, consent=consent, guild=Guild.objects.get(pk=min(guilds)), reason=request.POST.get("reason", ""),
                              requests_revocation=request.POST.get("requests_revocation") == "on")
    except ValidationError as exc:
        return _guild_consent_page(request, consent, status=400, flag_errors=[m for _, _, m in forms.error_items(exc)])
    return redirect("portal:guild_consent", pk=consent.pk)


# --- Anyone --------------------------------------------------------------------------------------------


def verify_page(request):
    """Drop a file and read its Content Credentials in words, and whether it may be used for training."""
    context, status = {}, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["problem"], status = "Choose a file to verify.", 400
        elif upload.size > services.settings.ASSET_MAX_BYTES:
            context["problem"], status = f"The file is over the limit of {services.settings.ASSET_MAX_BYTES:,} bytes.", 413
        else:
            data = upload.read()
            media_type = sniff_media_type(data)
            if media_type is None:
                context["problem"], status = f"{upload.name} is not a format Content Credentials can be read from (JPEG, PNG, MP4...).", 400
            else:
                try:
                    report, training = verify(data, media_type), verdict(data=data)
                    context.update(name=upload.name, report=report, training=training)
                except ImageRefused as exc:
                    context["problem"], status = exc.message, 400
    return render(request, "public/verify.html", context, status=status)
