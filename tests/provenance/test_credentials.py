"""Content Credentials on outputs made by the pipeline, verification, credentials read at ingest,
lineage, and do-not-train propagation. Real signing through c2pa-python, real chains made with
cryptography."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from generation.models import GenerationRequest
from provenance import identity as ident
from provenance import manifest as mf
from provenance import selectors, services
from provenance.models import AssetCredential, LineageEdge, SignedOutput, SigningIdentity
from rightsledger.models import Asset, LedgerEntry, TrainingReservation

from .. import factories as f
from .. import images
from ..generation.conftest import Gate
from .signing import FACTS


@pytest.fixture
def gate(world):
    return Gate(world)


@pytest.fixture
def generate(api, django_capture_on_commit_callbacks):
    """Submit and queue a request as the producer; return the output asset."""

    def run(gate, **overrides):
        rid = (
            api(gate.world.producer_a)
            .post("/api/generation/requests/", gate.body(**overrides), format="json")
            .json()["id"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            api(gate.world.producer_a).post(f"/api/generation/requests/{rid}/queue/")
        req = GenerationRequest.objects.get(pk=rid)
        assert req.status == "succeeded", req.failure
        return req.output.asset

    return run


CAPTURED = {
    "label": "c2pa.actions.v2",
    "data": {
        "actions": [
            {
                "action": "c2pa.created",
                "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
            }
        ]
    },
}


def content(asset) -> bytes:
    with asset.file.open("rb") as fh:
        return fh.read()


def assertion(store, label):
    active = store["manifests"][store["active_manifest"]]
    return next(a["data"] for a in active["assertions"] if a["label"] == label)


def test_a_production_that_discloses_names_has_them_in_its_outputs(gate, generate):
    from rightsledger.models import Production

    Production.objects.filter(pk=gate.world.prod_a.pk).update(
        output_disclosure="named"
    )  # set as production_create would
    active = (lambda store: store["manifests"][store["active_manifest"]])(
        services.read_store(
            content(generate(gate, inputs=[{"asset": gate.plate.pk, "role": "plate"}])), "image/png"
        )
    )
    assert active["title"].startswith(gate.shot.code) and [i["title"] for i in active["ingredients"]] == [
        gate.plate.original_filename
    ]


def test_an_output_validates_as_trusted_and_carries_every_assertion(gate, generate):
    output = generate(gate, inputs=[{"asset": gate.plate.pk, "role": "plate"}])
    data = content(output)
    result = selectors.verify(data, "image/png")
    assert result["validation_state"] == "trusted" and result["failures"] == []
    assert "UNTRUSTED" in result["signer"]["common_name"]
    store = services.read_store(data, "image/png")
    actions = assertion(store, "c2pa.actions.v2")["actions"]
    assert actions == [
        {
            "action": "c2pa.created",
            "digitalSourceType": mf.COMPOSITE,
            "softwareAgent": {"name": "atmosphere", "version": "1.0.0"},
        }
    ]
    for label, prefix in (("cawg.training-mining", "cawg"), ("c2pa.training-mining", "c2pa")):
        assert assertion(store, label) == {
            "entries": {f"{prefix}.{u}": {"use": "notAllowed"} for u in mf.TDM_USES}
        }
    ours = assertion(store, mf.RIGHTSLEDGER_LABEL)
    req = GenerationRequest.objects.get(output__asset=output)
    run_decision = req.output.run_decision
    assert ours["request"] == req.pk and ours["decision"] == run_decision.pk and ours["outcome"] == "approved"
    entry = LedgerEntry.objects.get(seq=run_decision.ledger_seq)
    assert ours["ledger"]["seq"] == entry.seq and ours["ledger"]["leaf_hash"] == bytes(entry.leaf_hash).hex()
    assert result["rightsledger_check"] == {
        "decision_exists": True,
        "decision_matches": True,
        "ledger_entry_matches": True,
    }
    active = store["manifests"][store["active_manifest"]]
    # Anyone with the file reads this: by default it names no shot, title or file.
    assert (
        active["claim_generator_info"][0]["name"] == "Rightsledger"
        and active["title"] == "AI-generated output (atmosphere)"
    )
    assert [(i["title"], i["relationship"]) for i in active["ingredients"]] == [
        ("input 1 (plate)", "parentOf")
    ]
    assert gate.shot.code.encode() not in data and gate.plate.original_filename.encode() not in data
    assert active.get("thumbnail", {}).get("format") == "image/jpeg"
    assert "prompt" not in json.dumps(actions)  # the prompt is private by default
    assert b"DMI-PROHIBITED-AIMLTRAINING" in data  # IPTC plus:DataMining in the XMP
    assert "Mara" not in json.dumps(store) and "Alvarez" not in json.dumps(store)


def test_roles_map_to_ingredient_relationships(gate, generate):
    body = dict(
        engine="crowd_fill",
        intended_use="crowd_fill",
        parameters={"count": 5},
        inputs=[{"asset": gate.plate.pk, "role": "plate"}, {"asset": gate.element.pk, "role": "element"}],
    )
    # crowd_fill is a permitted use of the plate's grant (genai_input)
    output = generate(gate, **body)
    store = services.read_store(content(output), "image/png")
    rels = [i["relationship"] for i in store["manifests"][store["active_manifest"]]["ingredients"]]
    assert rels == ["parentOf", "componentOf"]


def test_one_flipped_pixel_byte_makes_it_invalid_and_says_why(gate, generate):
    data = bytearray(content(generate(gate)))
    idat = data.find(b"IDAT")
    data[idat + 40] ^= 0x01
    result = selectors.verify(bytes(data), "image/png")
    assert result["validation_state"] == "invalid"
    assert any(f["code"].startswith("assertion.dataHash") for f in result["failures"]), result["failures"]


def test_a_file_signed_by_an_unknown_ca_is_valid_but_untrusted(tmp_path):
    paths = ident.dev_chain_create(tmp_path / "stranger", label="Stranger")
    signer = ident.make_signer(chain_pem=paths["chain"].read_text(), key_path=str(paths["key"]))
    import c2pa

    builder = c2pa.Builder(
        {
            "claim_generator_info": [{"name": "Elsewhere", "version": "1"}],
            "title": "x",
            "assertions": [CAPTURED],
        }
    )
    out = io.BytesIO()
    builder.sign(signer, "image/jpeg", io.BytesIO(images.jpeg(3)), out)
    result = selectors.verify(out.getvalue(), "image/jpeg")
    assert result["validation_state"] == "valid"
    assert "signingCredential.untrusted" in [f["code"] for f in result["failures"]]


def test_a_stripped_file_has_no_credentials(gate, generate):
    signed = content(generate(gate))
    buf = io.BytesIO()
    Image.open(io.BytesIO(signed)).save(buf, "PNG")  # what a screenshot or re-export does
    assert selectors.verify(buf.getvalue(), "image/png") == {
        "credentials": False,
        "validation_state": None,
        "message": "The file carries no Content Credentials.",
    }


def signed_with_reservation(
    tmp_path, uses_not_allowed=("ai_training", "ai_generative_training", "ai_inference", "data_mining")
) -> bytes:
    """A file from outside, carrying cawg.training-mining notAllowed."""
    import c2pa

    paths = ident.dev_chain_create(tmp_path / "agency", label="Agency")
    signer = ident.make_signer(chain_pem=paths["chain"].read_text(), key_path=str(paths["key"]))
    definition = {
        "claim_generator_info": [{"name": "Agency DAM", "version": "3"}],
        "title": "Harbour still",
        "assertions": [
            CAPTURED,
            {
                "label": "cawg.training-mining",
                "data": mf.training_mining(frozenset(uses_not_allowed), "cawg"),
            },
        ],
    }
    out = io.BytesIO()
    c2pa.Builder(definition).sign(signer, "image/png", io.BytesIO(images.png(61)), out)
    return out.getvalue()


def test_ingest_reads_credentials_and_reserves_two_generations_down(
    gate, api, generate, tmp_path, django_capture_on_commit_callbacks
):
    world = gate.world
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.clearance).post(
            "/api/assets/",
            {
                "production": world.prod_a.pk,
                "kind": "still",
                "file": SimpleUploadedFile("agency.png", signed_with_reservation(tmp_path)),
            },
            format="multipart",
        )
    still = Asset.objects.get(pk=response.json()["id"])
    credential = AssetCredential.objects.get(asset=still)
    assert (
        credential.validation_state == "Valid" and credential.training_mining["ai_training"] == "notAllowed"
    )
    embedded = TrainingReservation.objects.get(asset=still, source="embedded_c2pa")
    assert sorted(embedded.uses) == sorted(mf.TDM_USES)

    f.make_grant(world.prod_a, world.party, [still], contract_sha256=f.sha("agency licence"))
    first = generate(gate, inputs=[{"asset": still.pk, "role": "plate"}])
    f.make_grant(world.prod_a, world.party, [first], contract_sha256=f.sha("own output"))
    second = generate(gate, inputs=[{"asset": first.pk, "role": "plate"}], seed=99)
    for output in (first, second):
        r = TrainingReservation.objects.get(asset=output, source="lineage")
        assert sorted(r.uses) == sorted(mf.TDM_USES)
        assert f"reservation {embedded.pk} on asset {still.pk}" in r.note
    assert set(selectors.ancestors(second.pk)) == {first.pk, still.pk}
    assert set(selectors.descendants(still.pk)) == {first.pk, second.pk}
    store = services.read_store(content(second), "image/png")
    assert assertion(store, "cawg.training-mining")["entries"]["cawg.ai_training"]["use"] == "notAllowed"


def test_an_ingested_copy_of_our_output_links_back_to_it(gate, generate, tmp_path):
    output = generate(gate)
    signed = SignedOutput.objects.get(asset=output)
    import c2pa

    paths = ident.dev_chain_create(tmp_path / "vendor", label="Vendor")
    builder = c2pa.Builder(
        {
            "claim_generator_info": [{"name": "Vendor comp", "version": "1"}],
            "title": "comp",
            "assertions": [CAPTURED],
        }
    )
    builder.add_ingredient(
        {"title": "rightsledger output", "relationship": "componentOf"},
        "image/png",
        io.BytesIO(content(output)),
    )
    out = io.BytesIO()
    builder.sign(
        ident.make_signer(chain_pem=paths["chain"].read_text(), key_path=str(paths["key"])),
        "image/jpeg",
        io.BytesIO(images.jpeg(62)),
        out,
    )
    comp = f.make_asset(gate.world.prod_b, data=out.getvalue(), fmt="jpeg", seed=62)
    services.asset_ingest_credentials(asset=comp)
    assert LineageEdge.objects.filter(parent=output, child=comp, role="ingredient").exists()
    assert signed.manifest_label


def test_verify_api_and_command(gate, generate, client, tmp_path, capsys):
    output = generate(gate)
    response = client.post("/api/verify/", {"file": SimpleUploadedFile("x.png", content(output))})
    assert response.status_code == 200 and response.json()["validation_state"] == "trusted"
    assert (
        client.post("/api/verify/", {"file": SimpleUploadedFile("notes.png", b"hello" * 50)}).status_code
        == 400
    )
    assert client.post("/api/verify/", {}).status_code == 400
    path = tmp_path / "out.png"
    path.write_bytes(content(output))
    from django.core.management import call_command

    call_command("verify", str(path))
    assert json.loads(capsys.readouterr().out)["validation_state"] == "trusted"


def test_served_outputs_carry_ai_preferences_and_tdm_reservation(gate, generate, api, client):
    import http_sf

    output = generate(gate)
    response = api(gate.world.producer_a).get(f"/api/assets/{output.pk}/content/")
    assert response["tdm-reservation"] == "1" and response["X-Robots-Tag"] == "noai, noimageai"
    # IETF AI Preferences: an RFC 9651 dictionary with the current draft's vocabulary only.
    usage = http_sf.parse(response["Content-Usage"].encode(), tltype="dictionary")
    assert usage == {"train-ai": (http_sf.Token("n"), {})}
    policy_url = response["tdm-policy"]
    assert policy_url == "http://testserver/.well-known/tdm-policy.json"
    plate = api(gate.world.producer_a).get(f"/api/assets/{gate.plate.pk}/content/")
    assert "tdm-reservation" not in plate and "Content-Usage" not in plate
    tdm = client.get("/.well-known/tdmrep.json").json()
    assert {"location": "/api/assets/*", "tdm-reservation": 1, "tdm-policy": policy_url} in tdm
    policy = client.get("/.well-known/tdm-policy.json")
    assert policy["Content-Type"] == "application/ld+json"
    body = policy.json()
    assert (
        body["@type"] == "Offer"
        and body["profile"] == "http://www.w3.org/ns/tdmrep"
        and body["uid"] == policy_url
    )
    assert {"target": "/api/assets/*", "action": "tdm:mine"} in body["prohibition"]
    robots = client.get("/robots.txt").content.decode()
    assert (
        "Content-Usage: /api/assets/ train-ai=n" in robots.splitlines()
        and "Content-Usage: /requests/ train-ai=n" in robots.splitlines()
    )
    for withdrawn in ("train-genai", "ai-use"):
        assert withdrawn not in robots and withdrawn not in response["Content-Usage"]


def test_lineage_api_json_prov_and_svg(gate, generate, api):
    output = generate(gate)
    client = api(gate.world.producer_a)
    data = client.get(f"/api/assets/{output.pk}/lineage/").json()
    assert data["ancestors"] == [{"asset": gate.plate.pk, "depth": 1}]
    assert data["edges"][0]["role"] == "plate"
    prov = json.loads(client.get(f"/api/assets/{output.pk}/lineage.prov.json").content)
    run = GenerationRequest.objects.get(output__asset=output).output.run_decision
    assert f"rl:asset-{output.pk}" in prov["entity"] and prov["wasGeneratedBy"]
    # The generation comes from the ledger: its run decision, engine, requester and the grant used.
    (activity,) = prov["activity"].values()
    assert int(activity["rl:decisionSeq"]["$"]) == run.ledger_seq and activity["rl:engine"].startswith(
        "atmosphere "
    )
    assert any(a.get("prov:type") == "prov:SoftwareAgent" for a in prov["agent"].values())
    assert f"rl:user-{gate.world.producer_a.pk}" in prov["agent"]
    assert any(k.startswith("rl:grant-") for k in prov["entity"])
    svg = client.get(f"/api/assets/{output.pk}/lineage.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    import xml.etree.ElementTree as ET

    texts = [t.text for t in ET.fromstring(svg.content).iter("{http://www.w3.org/2000/svg}text")]
    assert (
        f"A-{output.pk}" in texts
        and f"A-{gate.plate.pk}" in texts
        and f"plate (decision #{run.ledger_seq})" in texts
    )
    assert api(gate.world.producer_b).get(f"/api/assets/{output.pk}/lineage/").status_code == 404


def test_unsupported_output_formats_are_refused():
    facts = mf.OutputFacts(
        title="t",
        engine="e",
        engine_version="1",
        generator_version="0",
        ingredients=(),
        reserved_uses=frozenset(),
    )
    with pytest.raises(services.SigningError, match="cannot be signed"):
        services.sign_bytes(data=b"GIF89a", media_type="image/gif", facts=facts)


def test_import_an_encrypted_key_and_rotate(db, tmp_path, monkeypatch):
    from cryptography.hazmat.primitives import serialization

    paths = ident.dev_chain_create(tmp_path / "studio", label="Studio")
    key = ident.load_key(paths["key"], None)
    encrypted = tmp_path / "studio.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    monkeypatch.setenv("STUDIO_KEY_PASSPHRASE", "s3cret")
    old = SigningIdentity.objects.get(active=True)
    new = services.identity_register(
        name="studio-2026",
        chain_pem=paths["chain"].read_text(),
        key_path=str(encrypted),
        passphrase_env="STUDIO_KEY_PASSPHRASE",
    )
    assert oct(encrypted.stat().st_mode & 0o777) == "0o600"
    old.refresh_from_db()
    assert new.active and not old.active and old.retired_at is not None
    facts = FACTS
    signed, _, _, _ = services.sign_bytes(data=images.png(5), media_type="image/png", facts=facts)
    assert services.read_store(signed, "image/png")["manifests"]
    monkeypatch.setenv("STUDIO_KEY_PASSPHRASE", "wrong")
    with pytest.raises(ValueError, match="passphrase"):
        services.signer_for(new)
    assert "s3cret" not in json.dumps(list(SigningIdentity.objects.values()), default=str)


def test_a_callback_signer_stands_in_for_a_kms(db, tmp_path, settings):
    paths = ident.dev_chain_create(tmp_path / "kms", label="KMS")
    calls = []
    key = ident.load_key(paths["key"], None)

    def kms_sign(data: bytes) -> bytes:  # what a KMS client would do remotely
        calls.append(len(data))
        return ident.key_callback(key)(data)

    import sys
    import types

    module = types.ModuleType("fake_kms")
    module.sign = kms_sign
    sys.modules["fake_kms"] = module
    identity = services.identity_register(
        name="kms", chain_pem=paths["chain"].read_text(), callback="fake_kms:sign"
    )
    settings.C2PA_TRUST_ANCHORS = [str(paths["root"])]
    facts = FACTS
    signed, _, _, _ = services.sign_bytes(
        data=images.jpeg(5), media_type="image/jpeg", facts=facts, identity=identity
    )
    assert calls and selectors.verify(signed, "image/jpeg")["validation_state"] == "trusted"


def test_signing_init_dev_command(db, capsys):
    from django.core.management import call_command

    call_command("signing", "init", "--dev")
    out = capsys.readouterr().out
    assert "UNTRUSTED" in out and "C2PA_TRUST_ANCHORS=" in out
    key_file = re.search(r"C2PA_TRUST_ANCHORS=(\S+)", out).group(1).replace("root.pem", "signer.key")
    import os

    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("fmt,media_type", [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_xmp_is_added_without_touching_the_pixels(fmt, media_type):
    img = images.picture(4)
    buf = io.BytesIO()
    img.save(buf, fmt)
    data = mf.add_xmp(buf.getvalue(), media_type, mf.xmp_packet(frozenset({"ai_training"})))
    with Image.open(io.BytesIO(data)) as out:
        out.load()
        assert out.tobytes() == Image.open(io.BytesIO(buf.getvalue())).tobytes()
        xmp = out.info.get("xmp") or out.info.get("XML:com.adobe.xmp")
    xmp = xmp.decode() if isinstance(xmp, bytes) else xmp
    assert mf.DMI_PROHIBITED in xmp


def test_soft_binding_recovers_the_manifest_of_a_stripped_copy(gate, generate, client):
    output = generate(gate)
    signed = SignedOutput.objects.get(asset=output)
    store = services.read_store(content(output), "image/png")
    binding = assertion(store, "c2pa.soft-binding")
    assert binding["alg"] == mf.SOFT_BINDING_ALG
    stripped = io.BytesIO()
    Image.open(io.BytesIO(content(output))).convert("RGB").save(stripped, "JPEG", quality=70)
    response = client.post(
        f"/api/c2pa/v1/matches/byContent?alg={mf.SOFT_BINDING_ALG}",
        stripped.getvalue(),
        content_type="image/jpeg",
    )
    assert response.status_code == 200, response.content
    assert response.json()["matches"][0]["manifestId"] == signed.manifest_label
    by_value = client.get(
        "/api/c2pa/v1/matches/byBinding", {"alg": mf.SOFT_BINDING_ALG, "value": binding["blocks"][0]["value"]}
    ).json()
    assert by_value["matches"][0] == {"manifestId": signed.manifest_label, "similarityScore": 100}
    manifest = client.get(f"/api/c2pa/v1/manifests/{signed.manifest_label}")
    assert (
        manifest["Content-Type"] == "application/c2pa" and signed.manifest_label.encode() in manifest.content
    )
    import c2pa

    recovered = c2pa.Reader("image/jpeg", io.BytesIO(stripped.getvalue()), manifest_data=manifest.content)
    assert json.loads(recovered.json())["active_manifest"] == signed.manifest_label
    assert (
        client.get(
            "/api/c2pa/v1/matches/byBinding", {"alg": "org.example.watermark", "value": "AA=="}
        ).status_code
        == 400
    )
    assert (
        client.post("/api/c2pa/v1/matches/byContent", b"not an image", content_type="image/jpeg").status_code
        == 400
    )
    assert client.get("/api/c2pa/v1/manifests/urn:c2pa:nothing").status_code == 404
