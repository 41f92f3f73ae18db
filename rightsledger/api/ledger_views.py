"""The verifiable ledger over HTTP: checkpoints (public), proofs, proof bundles and files, witnesses."""

import base64

from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access, input_policy, selectors
from ..ledger import checkpoints, cosigning, proofs, sequencer, witnesses
from ..models import Checkpoint, Guild
from .serializers import StrictSerializer


def _int(request, name, *, required=True, minimum=0):
    value = request.query_params.get(name)
    if value in (None, ""):
        if required:
            raise ValidationError({name: [f"Give {name}."]})
        return None
    return input_policy.whole_number(value, field=name, minimum=minimum)


def proof_file_response(data: bytes, name: str) -> HttpResponse:
    """Return a proof file (C2SP tlog-proof) as a text download named `name`."""
    response = HttpResponse(data, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Public and read-only: no CSRF check, so a wrong method is answered 405 rather than a CSRF page.
@csrf_exempt
@require_safe
def checkpoint_latest(request):
    cp = checkpoints.latest_checkpoint()
    if cp is None:
        raise Http404("No checkpoint has been published yet.")
    # The signed note with the witnesses' cosignatures collected so far (C2SP tlog-cosignature).
    return HttpResponse(cosigning.cosigned_note(cp), content_type="text/plain; charset=utf-8")


# Public and read-only: no CSRF check, so a wrong method is answered 405 rather than a CSRF page.
@csrf_exempt
@require_safe
def checkpoint_by_size(request, size):
    cp = Checkpoint.objects.filter(size=size).first()
    if cp is None:
        raise Http404(f"No checkpoint of size {size}.")
    return HttpResponse(cosigning.cosigned_note(cp), content_type="text/plain; charset=utf-8")


# Public and read-only: no CSRF check, so a wrong method is answered 405 rather than a CSRF page.
@csrf_exempt
@require_safe
def verifier_key(request):
    return HttpResponse(
        checkpoints.signing_key().verifier_key + "\n", content_type="text/plain; charset=utf-8"
    )


class InclusionProofApi(APIView):
    """Inclusion proof of an entry (by seq or leaf_hash) in the tree of a size (the latest
    checkpoint's by default)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("seq", int),
            OpenApiParameter("leaf_hash", str),
            OpenApiParameter("tree_size", int),
        ],
        responses={200: dict},
    )
    def get(self, request):
        seq = _int(request, "seq", required=False)
        leaf_hash = request.query_params.get("leaf_hash")
        if seq is None and not leaf_hash:
            raise ValidationError({"seq": ["Give the entry's seq or its leaf_hash (hex)."]})
        if leaf_hash:
            try:
                leaf_hash = bytes.fromhex(leaf_hash)
            except ValueError:
                leaf_hash = b""
            if len(leaf_hash) != 32:
                raise ValidationError({"leaf_hash": ["leaf_hash must be 64 hexadecimal characters."]})
        size = _int(request, "tree_size", required=False, minimum=1)
        if size is None:
            cp = checkpoints.latest_checkpoint()
            if cp is None:
                raise Http404("No checkpoint has been published yet.")
            size = cp.size
        # Visibility first, so an entry the caller may not see answers as one that does not exist
        # (and never as "not yet sequenced", which would tell that it does).
        visible = selectors.ledger_entries_for(request.user)
        if not (visible.filter(seq=seq) if seq is not None else visible.filter(leaf_hash=leaf_hash)).exists():
            raise Http404("No such ledger entry.")
        try:
            leaf = proofs.leaf_for(seq=seq, leaf_hash=leaf_hash if seq is None else None)
        except LookupError:
            raise Http404("No such ledger entry.") from None
        if size > sequencer.tree_size():
            raise Http404(
                f"The tree has not reached size {size}; ask against a published checkpoint "
                "(GET /ledger/checkpoint)."
            )
        return Response(
            {
                "seq": leaf.seq,
                "leaf_index": leaf.index,
                "leaf_hash": leaf.leaf_hash.hex(),
                "tree_size": size,
                "proof": proofs.b64_hashes(proofs.inclusion_proof(leaf, size)),
                "checkpoint": getattr(Checkpoint.objects.filter(size=size).first(), "note", None),
            }
        )


class ConsistencyProofApi(APIView):
    """Consistency proof between two tree sizes: the larger tree extends the smaller."""

    @extend_schema(
        parameters=[OpenApiParameter("from", int), OpenApiParameter("to", int)], responses={200: dict}
    )
    def get(self, request):
        old, new = _int(request, "from", minimum=1), _int(request, "to", minimum=1)
        if old > new:
            raise ValidationError({"from": ["from must not be larger than to."]})
        if new > sequencer.tree_size():
            raise Http404(f"The tree has not reached size {new}.")
        return Response(
            {"old_size": old, "new_size": new, "proof": proofs.b64_hashes(proofs.consistency_proof(old, new))}
        )


class EntryBytesApi(APIView):
    """The entry's canonical bytes, exactly as hashed into its leaf."""

    @extend_schema(responses={(200, "application/json"): bytes})
    def get(self, request, seq):
        entry = selectors.ledger_entries_for(request.user).filter(seq=seq).first()
        if entry is None:
            raise Http404("No such ledger entry.")
        return HttpResponse(bytes(entry.body), content_type="application/json")


class CheckpointWitnessesApi(APIView):
    """Which witnesses cosigned a checkpoint (the latest by default), and whether the witness
    policy's quorum holds."""

    @extend_schema(parameters=[OpenApiParameter("size", int)], responses={200: dict})
    def get(self, request):
        size = _int(request, "size", required=False, minimum=1)
        found = cosigning.checkpoint_witnesses(size)
        if found is None:
            raise Http404("No such checkpoint." if size else "No checkpoint has been published yet.")
        return Response(
            {
                "size": found.size,
                "published_at": found.published_at.isoformat(),
                "quorum": found.quorum,
                "quorum_met": found.quorum_met,
                "witnesses": [
                    {
                        "name": w.name,
                        "vkey": w.vkey,
                        "guild": w.guild,
                        "cosigned_at": w.cosigned_at,
                        "in_policy": w.in_policy,
                    }
                    for w in found.witnesses
                ],
            }
        )


class WitnessIn(StrictSerializer):
    note = serializers.CharField()
    guild = serializers.IntegerField(required=False)


class WitnessApi(APIView):
    """A guild registers the checkpoints it has seen; the ledger proves consistency to each."""

    def _guild(self, request, guild_id=None):
        return Guild.objects.get(pk=access.require_witness_guild(request.user, guild_id))

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(
            witnesses.witness_report(self._guild(request, _int(request, "guild", required=False)))
        )

    @extend_schema(request=WitnessIn, responses={201: dict})
    def post(self, request):
        data = WitnessIn(data=request.data)
        data.is_valid(raise_exception=True)
        guild = self._guild(request, data.validated_data.get("guild"))
        w = witnesses.witness_register(actor=request.user, guild=guild, note_text=data.validated_data["note"])
        return Response(
            {"guild": guild.pk, "size": w.size, "root": base64.b64encode(bytes(w.root)).decode()}, status=201
        )
