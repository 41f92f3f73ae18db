"""The browser verifier reads the ledger as any C2SP tlog client reads it: the cosigned checkpoint
and the hash tiles, never our proof API. It says in words what it proved, and that the check
failed when one byte of a stored tile, of the checkpoint or of a witness's cosignature changed."""

import datetime

import pytest

from rightsledger.ledger import checkpoints, cosigning, witnesses
from rightsledger.models import LedgerEntry
from tests.rightsledger.test_cosigning import Served, policy_file
from tests.rightsledger.test_tiles_served import _tamper
from tests.tlog.test_witness import SpecWitness

from .test_browser import Visit, browser, portal  # noqa: F401  (the browser and the live studio)

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cosigned(portal, settings, tmp_path):  # noqa: F811
    """The ledger's witness policy names one witness (written to the spec, served over HTTP),
    which the guild runs; the latest checkpoint is published and cosigned by it."""
    spec = SpecWitness("witness.sag-aftra.example/w1", checkpoints.signing_key().verifier_key)
    served = Served(spec)
    settings.LEDGER_WITNESS_POLICY_FILE = str(policy_file(tmp_path, [(spec, served.url)]))
    w = portal.world
    witnesses.guild_witness_key_set(actor=w.admin, guild=w.guild, vkey=spec.vkey)
    checkpoints.ledger_publish()
    cosigning.ledger_cosign()  # unless the publish's own task has had it cosigned already
    assert checkpoints.latest_checkpoint().cosignatures.filter(vkey=spec.vkey).exists()
    yield spec
    served.close()


def _open_consent(tab) -> int:
    tab.page.get_by_role("link", name="Mara Vega").click()
    return int(tab.page.get_attribute("button[data-verify-seq]", "data-verify-seq"))


def _verify(page, seq: int, outcome: str) -> str:
    page.click(f"button[data-verify-seq='{seq}']")
    # The check fetches the entry, the checkpoint, its cosignatures and the tiles: on a loaded
    # machine that takes a while. Whatever it says, say it, so a wrong outcome reads as one.
    page.wait_for_selector(f"#result-{seq}.badge:not(.info)", timeout=60_000)  # info: still checking
    said = page.inner_text(f"#result-{seq}")
    assert page.get_attribute(f"#result-{seq}", "class").split().count(outcome) == 1, said
    return said


def test_the_browser_proves_a_consent_from_the_tiles_and_the_cosigned_checkpoint(
    browser,  # noqa: F811
    portal,  # noqa: F811
    cosigned,
):
    w = portal.world
    tab = Visit(browser, portal.url, w.guild_rep)
    seq = _open_consent(tab)
    asked = []
    tab.page.on("request", lambda r: asked.append(r.url.replace(portal.url, "")))
    said = _verify(tab.page, seq, "ok")
    cosignature = checkpoints.latest_checkpoint().cosignatures.get()
    at = datetime.datetime.fromtimestamp(cosignature.timestamp, datetime.UTC)
    assert said == (
        f"Verified: This record is entry #{seq} of the ledger, and the ledger as of "
        f"{at.day} {at:%B %Y, %H:%M} UTC was cosigned by {w.guild.name}."
    )
    assert "/ledger/checkpoint" in asked and f"/api/ledger/entries/{seq}/bytes/" in asked
    assert any(a.startswith("/ledger/tile/0/") for a in asked)
    assert not any(a.startswith("/api/ledger/proofs") for a in asked), asked
    tab.check("guild-consent-verified-from-tiles")
    tab.close()


def _altered(at):
    """A route handler that changes one byte of what the server answers, at at(body)."""

    def handle(route):
        response = route.fetch()
        body = bytearray(response.body())
        i = at(body)
        body[i] = ord("B") if body[i] == ord("A") else ord("A")  # still base64, still text
        route.fulfill(response=response, body=bytes(body))

    return handle


def test_one_changed_byte_in_a_tile_the_checkpoint_or_a_cosignature_fails_the_check(
    browser,  # noqa: F811
    portal,  # noqa: F811
    cosigned,
):
    w = portal.world
    for where, at in [
        ("checkpoint", lambda body: body.index(b"\n", body.index(b"\n") + 1) + 5),  # in the root
        ("cosignature", lambda body: len(body) - 6),  # in the witness's signature, on the last line
    ]:
        tab = Visit(browser, portal.url, w.guild_rep)
        seq = _open_consent(tab)
        tab.page.route("**/ledger/checkpoint", _altered(at))
        said = _verify(tab.page, seq, "bad")
        assert said.startswith("Not verified: the check failed, because "), (where, said)
        assert ("cosignature by" in said) == (where == "cosignature"), said
        tab.close()

    tab = Visit(browser, portal.url, w.guild_rep)
    seq = _open_consent(tab)
    index = LedgerEntry.objects.get(seq=seq).leaf.index
    _tamper(0, index // 256, (index % 256) * 32 + 7)  # a byte of the entry's own leaf hash, in the DB
    said = _verify(tab.page, seq, "bad")
    assert said == (
        "Not verified: the check failed, because the ledger's tiles do not lead to the root its "
        "checkpoint signs: a tile was altered."
    )
    _tamper(0, index // 256, (index % 256) * 32 + 7)  # put back: a new tab verifies again
    tab.close()
    tab = Visit(browser, portal.url, w.guild_rep)
    assert _verify(tab.page, _open_consent(tab), "ok").startswith("Verified: ")
    tab.close()
