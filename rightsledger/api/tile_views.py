"""The ledger as C2SP tlog-tiles serves it, under /ledger/: `checkpoint` (ledger_views), hash tiles
`tile/<L>/<N>[.p/<W>]` and entry bundles `tile/entries/<N>[.p/<W>]`.

Hash tiles hold hashes only, so anyone may read them, and any cache may keep a full one for ever.
Entry bundles hold every entry, of every production, so they are served to the ledger's operators
alone (signed in, or with an API token): anyone else verifies the entries they may read, one by
one (/api/ledger/entries/<seq>/bytes/), against the public hash tiles.

`hash_tile_answer` is the one answer to a hash tile's path: this view returns it through Django,
and config.tile_wsgi returns it before Django's middleware stack, where gunicorn serves it.
"""

from dataclasses import dataclass

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from rest_framework.exceptions import AuthenticationFailed

from .. import access, apitokens
from ..ledger.tilestore import tile_read
from ..models import ApiToken
from ..tlog.tiles import ENTRIES, TileError, parse_tile_path
from .tokens import ApiTokenAuthentication

IMMUTABLE = "max-age=31536000, immutable"
# A partial tile grows with the tree, and the next checkpoint names its new width.
SHORT_LIVED = "max-age=10"
TEXT = "text/plain; charset=utf-8"
BYTES = "application/octet-stream"


@dataclass(frozen=True)
class TileAnswer:
    """What a tile's path is answered: a status, a body, its type, and how long caches keep it."""

    status: int
    body: bytes
    content_type: str = TEXT
    cache_control: str | None = None


def _text(status: int, message: str) -> TileAnswer:
    return TileAnswer(status, (message + "\n").encode())


def hash_tile_answer(path: str) -> TileAnswer | None:
    """Return the answer to GET /ledger/tile/<path> for a hash tile or a path that names no tile
    (one indexed read, no session); None when the path names an entry bundle, whose reader must
    be checked first."""
    try:
        wanted = parse_tile_path(f"tile/{path}")
    except TileError as exc:
        return _text(404, f"{exc}: a tile is tile/<level>/<index>[.p/<width>] as C2SP tlog-tiles writes it.")
    if wanted.level == ENTRIES:
        return None
    data = tile_read(wanted)
    if data is None:
        return _text(404, f"The ledger has no {wanted.path} yet.")
    return TileAnswer(200, data, BYTES, f"public, {IMMUTABLE if wanted.full else SHORT_LIVED}")


def _bundle_answer(request, path: str) -> TileAnswer:
    """Return the answer to an entry bundle's path: the bundle to an operator, 403 to anyone else."""
    if not _operator(request):
        return _text(
            403,
            "Entry bundles are served to the ledger's operators. Verify the entries you may read with "
            "/api/ledger/entries/<seq>/bytes/ against the public hash tiles.",
        )
    wanted = parse_tile_path(f"tile/{path}")
    data = tile_read(wanted)
    if data is None:
        return _text(404, f"The ledger has no {wanted.path} yet.")
    # No Cache-Control here: a bundle is an operator's, and kept by no cache (config.middleware:
    # no-store).
    return TileAnswer(200, data, BYTES)


def _operator(request) -> bool:
    user = request.user
    if not user.is_authenticated:
        try:
            # An API token (within its scope: a clearance-only one reads no bundle), or an older one.
            found = ApiTokenAuthentication().authenticate(request)
        except AuthenticationFailed:
            return False
        if found and isinstance(found[1], ApiToken):
            refusal = apitokens.scope_refusal(
                found[1].scope, method=request.method, training_clearance=False, writes_nothing=False
            )
            if refusal:
                return False
        user = found[0] if found else user
    return user.is_authenticated and access.roles_of(user).superuser


@csrf_exempt
@require_safe
def tile(request, path):
    answer = hash_tile_answer(path) or _bundle_answer(request, path)
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    if answer.cache_control:
        response["Cache-Control"] = answer.cache_control
    return response
