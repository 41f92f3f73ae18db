"""Pages for anyone: the start page (each role's own, or the public page), the ledger's
checkpoints and their witnesses, and the verification of a file's Content Credentials."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from provenance.selectors import sniff_media_type
from rightsledger.imaging import ImageRefused

from .. import selectors
from ..verification import verify_result


@require_safe
def home(request):
    """Each role's start page: clearance its queue, a producer their shots, a guild its members'
    consents, an auditor the productions; anyone else the public page."""
    if not request.user.is_authenticated:
        return render(request, "public/landing.html")
    start = selectors.start_page(request.user)
    if start is None:
        # Signing in, by password or through the studio's provider, grants no role: say whom to ask.
        return render(request, "public/no_role.html", {"page": selectors.no_role_page(request.user)})
    name, kwargs = start
    return redirect(name, **kwargs)


@require_safe
def ledger(request):
    """The ledger's latest checkpoints, who witnessed each, and how to check it with your own tools."""
    return render(request, "public/ledger.html", selectors.ledger_page())


def verify_page(request):
    """Drop a file and read its Content Credentials in words, and whether it may be used for training."""
    context, status = {}, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        limit = settings.ASSET_MAX_BYTES
        if upload is None:
            context["problem"], status = "Choose a file to verify.", 400
        elif upload.size > limit:
            context["problem"], status = f"The file is over the limit of {limit:,} bytes.", 413
        else:
            data = upload.read()
            media_type = sniff_media_type(data)
            if media_type is None:
                context["problem"] = (
                    f"{upload.name} is not a format Content Credentials can be read from (JPEG, PNG, MP4...)."
                )
                status = 400
            else:
                try:
                    context.update(verify_result(upload.name, data, media_type))
                except ImageRefused as exc:
                    context["problem"], status = exc.message, 400
    return render(request, "public/verify.html", context, status=status)
