"""The ledger as C2SP tlog-tiles serves it, under /ledger/: `checkpoint` (ledger_views), hash tiles
`tile/<L>/<N>[.p/<W>]` and entry bundles `tile/entries/<N>[.p/<W>]`.

Hash tiles hold hashes only, so anyone may read them, and any cache may keep a full one for ever.
Entry bundles hold every entry, of every production, so they are served to the ledger's operators
alone (signed in, or with an API token): anyone else verifies the entries they may read, one by
one (/api/ledger/entries/<seq>/bytes/), against the public hash tiles.
"""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .. import access
from ..ledger.tilestore import tile_read
from ..tlog.tiles import ENTRIES, TileError, parse_tile_path

IMMUTABLE = "max-age=31536000, immutable"
# A partial tile grows with the tree, and the next checkpoint names its new width.
SHORT_LIVED = "max-age=10"


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def _operator(request) -> bool:
    user = request.user
    if not user.is_authenticated:
        try:
            found = TokenAuthentication().authenticate(request)
        except AuthenticationFailed:
            return False
        user = found[0] if found else user
    return user.is_authenticated and access.roles_of(user).superuser


@csrf_exempt
@require_safe
def tile(request, path):
    try:
        wanted = parse_tile_path(f"tile/{path}")
    except TileError as exc:
        return _text(404, f"{exc}: a tile is tile/<level>/<index>[.p/<width>] as C2SP tlog-tiles writes it.")
    bundle = wanted.level == ENTRIES
    if bundle and not _operator(request):
        return _text(
            403,
            "Entry bundles are served to the ledger's operators. Verify the entries you may read with "
            "/api/ledger/entries/<seq>/bytes/ against the public hash tiles.",
        )
    data = tile_read(wanted)
    if data is None:
        return _text(404, f"The ledger has no {wanted.path} yet.")
    response = HttpResponse(data, content_type="application/octet-stream")
    if not bundle:  # a bundle is an operator's, and kept by no cache (config.middleware: no-store)
        response["Cache-Control"] = f"public, {IMMUTABLE if wanted.full else SHORT_LIVED}"
    return response
