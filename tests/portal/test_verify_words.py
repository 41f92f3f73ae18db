"""Content Credentials in words, on the request page and on /verify/: "Trusted" only where the signer
chains to a configured anchor that is not a development root; the development chain says what it
is; relationships and uses read as sentences; a re-saved copy of an output, found by fingerprint,
is said to be one without naming its production, asset or studio."""

import base64
import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from PIL import Image

from generation.models import GenerationRequest
from portal.verification import credentials_words
from provenance import identity
from provenance.selectors import verify
from provenance.services import identity_register

from .. import images
from ..generation.conftest import Gate

pytestmark = pytest.mark.django_db

DEVELOPMENT = "Signed by this server's development key: not trusted anywhere else"


def visible(page: str) -> str:
    """Return a page's text as a person reads it: no markup, technical details left folded."""
    main = page[page.index("<main") :]
    main = re.sub(r"<details>.*?</details>", " ", main, flags=re.DOTALL)
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.DOTALL)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def signed_output(world, capture, seed=1) -> GenerationRequest:
    gate = Gate(world)
    req = gate.submit(seed=seed)
    from generation import services as gen

    with capture(execute=True):
        gen.request_queue(actor=world.producer_a, request=req)  # eager: runs, signs and records
    req = GenerationRequest.objects.get(pk=req.pk)
    assert req.status == "succeeded"
    return req


def output_bytes(req) -> bytes:
    with req.output.asset.file.open("rb") as fh:
        return fh.read()


def verify_page(client, name: str, data: bytes) -> str:
    got = client.post("/verify/", {"file": SimpleUploadedFile(name, data)})
    assert got.status_code == 200
    return got.content.decode()


def test_the_development_chain_is_never_called_trusted(world, client, django_capture_on_commit_callbacks):
    # The tests trust the development root as an anchor, as the demo does: it still says what it is.
    req = signed_output(world, django_capture_on_commit_callbacks)
    data = output_bytes(req)
    report = verify(data, req.output.asset.media_type)
    assert report["validation_state"] == "trusted" and report["trust"] == "development"
    page = verify_page(client, "found.png", data)
    text = visible(page)
    assert DEVELOPMENT in text and "Development key" in text
    assert "Trusted" not in page  # not in the words, not in the technical details
    assert [i["relationship"] for i in report["ingredients"]] == ["parentOf"]
    assert f"Made from {report['ingredients'][0]['title']}" in text
    assert "It may not be used to train generative AI." in text and "It may not be used to train AI." in text
    assert not re.search(r"parentOf|inputTo|notAllowed|ai_generative_training", text)
    assert (
        'class="tree"' in page
        and 'src="data:image/webp;base64,' in page
        and 'alt="The picture found.png"' in page
    )
    # The request page says the same.
    client.force_login(world.producer_a)
    request_page = client.get(f"/requests/{req.pk}/").content.decode()
    assert DEVELOPMENT in visible(request_page) and "Trusted" not in request_page
    assert "It may not be used to train generative AI." in visible(request_page)


def test_a_studio_anchor_that_is_not_a_development_root_reads_trusted(
    world, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    paths = identity.chain_create(
        tmp_path / "studio", label="Harbour Pictures", organization="Harbour Pictures"
    )
    identity_register(name="harbour-2026", chain_pem=paths["chain"].read_text(), key_path=str(paths["key"]))
    settings.C2PA_TRUST_ANCHORS = [*settings.C2PA_TRUST_ANCHORS, str(paths["root"])]
    req = signed_output(world, django_capture_on_commit_callbacks)
    data = output_bytes(req)
    assert verify(data, req.output.asset.media_type)["trust"] == "trusted"
    text = visible(verify_page(client, "found.png", data))
    assert "Trusted" in text and "chains to a root this studio trusts" in text
    assert "development key" not in text and "UNTRUSTED" not in text
    # Without that anchor, the same file verifies, from a signer trusted nowhere here.
    settings.C2PA_TRUST_ANCHORS = settings.C2PA_TRUST_ANCHORS[:-1]
    text = visible(verify_page(client, "found.png", data))
    assert "Signer not known" in text and "Trusted" not in text


def test_a_resaved_copy_of_an_output_is_known_by_its_fingerprint_and_names_nothing(
    world, client, django_capture_on_commit_callbacks
):
    req = signed_output(world, django_capture_on_commit_callbacks)
    resaved = images.encode(Image.open(io.BytesIO(output_bytes(req))).convert("RGB"), "JPEG", quality=85)
    page = verify_page(client, "from-a-forum.jpg", resaved)
    text = visible(page)
    signed = req.output.asset.signed.created_at
    assert "matches an AI-generated output registered here" in text
    assert f"signed on {signed:%-d %B %Y, %H:%M} UTC" in text
    assert "training is reserved" in text and "May it be used for AI training? No" in text
    # Nothing of the production, the shot, the asset or the studio; no pHash in the words.
    asset = req.output.asset
    for named in (world.prod_a.title, world.studio.name, req.shot.code, f"A-{asset.pk}", asset.sha256):
        assert named not in page
    assert "pHash" not in text and "distance" not in text
    assert "pHash distance" in page  # in the technical details, folded
    assert 'alt="The picture from-a-forum.jpg"' in page


def test_a_file_with_no_credentials_and_no_match_says_so(world, client):
    text = visible(verify_page(client, "holiday.png", images.png(123, (400, 300))))
    assert "No Content Credentials" in text and "matches an AI-generated output" not in text
    assert "No reservation is known for this file here" in text


def test_ingredients_read_as_a_tree_of_sentences():
    report = {
        "credentials": True,
        "trust": "untrusted",
        "signing_time": "2026-12-03T15:46:12.666106+00:00",
        "ingredients": [
            {
                "title": "Harbour at dusk, take 2",
                "relationship": "parentOf",
                "ingredients": [{"title": "Lighthouse plate", "relationship": "parentOf"}],
            },
            {"title": "Crowd element", "relationship": "componentOf"},
            {"title": "Mara Vega reference", "relationship": "inputTo"},
        ],
        "training_mining": {"ai_generative_training": "notAllowed", "data_mining": "allowed"},
    }
    words = credentials_words(report)
    page = render_to_string("base/_credentials.html", {"c": words})
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    tight = re.sub(r">\s+<", "><", page)
    tree = (
        '<ul class="tree"><li>Made from Harbour at dusk, take 2'
        "<ul><li>Made from Lighthouse plate</li></ul></li>"
    )
    assert tree in tight
    assert (
        "Crowd element, used as a part of it" in flat and "Mara Vega reference, used as a reference" in flat
    )
    assert "It may not be used to train generative AI." in flat and "It may be used to mine for data." in flat
    assert "On 3 December 2026, 15:46 UTC" in flat and "Signer not known" in flat


def test_the_verify_page_shows_a_clips_poster_frame(world, client):
    page = verify_page(client, "pan.mp4", images.clip(4, size=(480, 270), frames=36, fps=12))
    found = re.search(r'<img src="data:image/webp;base64,([^"]+)" alt="A frame of the clip pan.mp4"', page)
    assert found
    assert Image.open(io.BytesIO(base64.b64decode(found.group(1)))).size == (320, 180)
