"""`manage.py ledger witnesses` (rightsledger.ledger.witness_check): each witness of the policy is
asked how far it has cosigned this log, over HTTP, and reported level, behind or unreachable; asking
cosigns nothing new. A witness beyond the ledger (a restore from an older dump) is in
tests/stack/test_backup.py."""

import io

import pytest
from django.core.management import call_command

from rightsledger.ledger import checkpoints, cosigning
from rightsledger.models import WitnessCosignature

from .. import factories as f
from .test_cosigning import witness  # noqa: F401  (the fixture: a spec witness served over HTTP)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_key")]


def ask() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("ledger", "witnesses", stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_a_witness_is_reported_level_then_behind_then_unreachable(world, witness):  # noqa: F811
    spec, served = witness
    f.make_party(world.studio, "Northlight Stock Ltd")
    first = checkpoints.ledger_publish()
    assert [s.outcome for s in cosigning.ledger_cosign()] == ["cosigned"]
    assert ask() == (0, f"w1: cosigned this ledger's latest checkpoint, size {first.size}.\n")

    f.make_party(world.studio, "Harbour Lights Archive")
    second = checkpoints.ledger_publish()
    code, said = ask()
    assert code == 0 and said == (
        f"w1: cosigned size {first.size}, behind this ledger's latest checkpoint {second.size}; "
        "`ledger cosign` brings it up.\n"
    )
    # Asking cosigned nothing: the witness is where it was, and no cosignature was kept.
    assert spec.size == first.size and WitnessCosignature.objects.count() == 1

    served.close()
    code, said = ask()
    assert code == 1 and said.startswith("w1: could not be asked (") and "ask its operator" in said
