"""The ledger's public page: its latest checkpoints, which witnesses cosigned each, and whether the
witness policy's quorum holds, in words."""

import pytest
from django.test import Client

from rightsledger.ledger import checkpoints, cosigning, witnesses
from tests.rightsledger.test_cosigning import Served, _append, policy_file
from tests.tlog.test_witness import SpecWitness

from .. import factories as f

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_key")]


def test_the_ledger_page_names_the_guild_whose_witness_cosigned_and_says_when_the_quorum_is_missing(
    ledger_key, settings, tmp_path
):
    client = Client()
    assert "has not signed a checkpoint yet" in client.get("/ledger/").content.decode()
    spec = SpecWitness("witness.guild.example/w1", ledger_key)
    served = Served(spec)
    settings.LEDGER_WITNESS_POLICY_FILE = str(policy_file(tmp_path, [(spec, served.url)]))
    guild = f.make_guild(name="Screen Actors Guild", abbreviation="SAG")
    witnesses.guild_witness_key_set(actor=f.UserFactory(), guild=guild, vkey=spec.vkey)
    _append(3)
    first = checkpoints.ledger_publish()
    page = client.get("/ledger/").content.decode()
    assert f"The latest checkpoint: {first.size} entries" in page and "Not yet witnessed" in page
    assert "Screen Actors Guild: has not cosigned it" in page
    try:
        cosigning.ledger_cosign()
    finally:
        served.close()
    page = client.get("/ledger/").content.decode()
    assert "Witnessed" in page and "Screen Actors Guild: cosigned on " in page and " UTC" in page
    assert "aics-tlog verify-checkpoint --tiles http://testserver/ledger/" in page
