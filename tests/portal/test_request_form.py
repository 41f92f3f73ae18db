"""The producer's request form: it opens without an error for every engine, the intended use
follows the engine, each engine's parameters are fields made from its own schema and checked
beside the field; the request page shows what was asked; an output downloads under a name a
person can file away."""

import re

import pytest

from generation import services as gen
from generation.engines import all_engines
from generation.models import GenerationRequest
from rightsledger.models import LedgerEntry

from ..corpus.forms import request_form
from ..generation.conftest import Gate

pytestmark = pytest.mark.django_db


@pytest.fixture
def gate(world, client):
    client.force_login(world.producer_a)
    return Gate(world)


def _new(world) -> str:
    return f"/productions/{world.prod_a.pk}/requests/new/"


def _options(html: str, select_id: str) -> list[str]:
    block = html[html.index(f'id="{select_id}"') :]
    block = block[: block.index("</select>")]
    return re.findall(r'<option value="([^"]*)"', block)


def _selected(html: str, select_id: str) -> str:
    block = html[html.index(f'id="{select_id}"') :]
    block = block[: block.index("</select>")]
    return re.search(r'<option value="([^"]*)" selected', block).group(1)


def test_the_form_opens_without_an_error_and_its_intended_use_is_one_its_engine_supports(gate, client):
    response = client.get(_new(gate.world))
    html = response.content.decode()
    assert response.status_code == 200 and "errorlist" not in html
    engine = _selected(html, "f-engine")
    assert _selected(html, "f-intended_use") in all_engines()[engine].uses
    assert "Parameters (JSON)" not in html and "/api/engines/" not in html
    # Run when approved is offered, and on.
    assert re.search(r'id="f-run_when_approved"[^>]*checked', html)
    # The preview, asked as the form loads with nothing ticked yet, says what to do, not what is wrong.
    preview = client.post(f"/productions/{gate.world.prod_a.pk}/requests/preview/", request_form(gate.shot))
    assert "Tick an input" in preview.content.decode() and "errorlist" not in preview.content.decode()


@pytest.mark.parametrize("name", sorted(all_engines()))
def test_each_engine_opens_with_its_uses_and_its_parameters_as_fields(gate, client, name):
    engine = all_engines()[name]
    # With JavaScript: htmx asks for the engine's part of the form when the engine changes.
    part = client.get(
        f"/productions/{gate.world.prod_a.pk}/requests/engine/",
        {"engine": name, "intended_use": "set_extension"},
    )
    assert part.status_code == 200 and part["HX-Trigger-After-Settle"] == "engine-chosen"
    html = part.content.decode()
    assert _options(html, "f-intended_use") == [u for u in engine.uses]
    assert _selected(html, "f-intended_use") == (
        "set_extension" if "set_extension" in engine.uses else engine.uses[0]
    )
    for key, spec in engine.params.items():
        field = re.search(rf'<input type="number" id="f-param_{key}"[^>]*>', html).group(0)
        assert f'min="{spec.low:g}"' in field and f'max="{spec.high:g}"' in field
        assert f'step="{spec.step:g}"' in field and f'value="{spec.default:g}"' in field
        assert f'<label for="f-param_{key}">{spec.words(key)}</label>' in html
        assert "_" not in spec.words(key)  # a label in words, not the parameter's code
    # Without JavaScript: the button under the engine shows the same form again for the engine.
    page = client.post(
        _new(gate.world), {**request_form(gate.shot, gate.plate), "engine": name, "choose_engine": "1"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and "errorlist" not in html
    assert _selected(html, "f-engine") == name and _selected(html, "f-intended_use") in engine.uses
    assert GenerationRequest.objects.count() == 0


def test_the_form_as_it_opens_is_what_the_gate_approves_for_its_engine(gate, client):
    """The default values of the form, with a plate ticked, make a request the gate approves."""
    html = client.get(_new(gate.world)).content.decode()
    defaults = dict(re.findall(r'name="(param_[a-z_]+)" value="([^"]*)"', html))
    form = {
        **request_form(gate.shot, gate.plate),
        "engine": _selected(html, "f-engine"),
        "intended_use": _selected(html, "f-intended_use"),
        **defaults,
    }
    preview = client.post(f"/productions/{gate.world.prod_a.pk}/requests/preview/", form).content.decode()
    assert "badge ok" in preview and "Not yet a request" not in preview


def test_parameters_are_stored_as_numbers_and_shown_in_words_on_the_request_page(gate, client):
    form = {
        **request_form(gate.shot, gate.plate, prompt="light rain over the harbour"),
        "param_fog_density": "0,4",  # as a person in France types it
        "param_rain_angle": "-10",
        "param_rain": "",  # left empty: the engine's default
    }
    response = client.post(_new(gate.world), form)
    req = GenerationRequest.objects.get()
    assert response.status_code == 302 and response.url == f"/requests/{req.pk}/"
    assert req.parameters["fog_density"] == 0.4 and req.parameters["rain_angle"] == -10
    assert "rain" not in req.parameters
    page = client.get(f"/requests/{req.pk}/").content.decode()
    assert "“light rain over the harbour”" in page
    assert "Fog density: 0.4" in page and "Rain angle: -10" in page and "Rain: 0.3 (the default)" in page
    assert "fog_density" not in page


@pytest.mark.parametrize(
    "value,message",
    [
        ("2", "Fog density must be from 0 to 1; 2 is outside."),
        ("-0.5", "Fog density must be from 0 to 1; -0.5 is outside."),
        ("thick", "Fog density must be a number, such as 0.5."),
    ],
)
def test_a_bad_parameter_is_refused_beside_its_field_and_nothing_is_written(gate, client, value, message):
    before = GenerationRequest.objects.count(), LedgerEntry.objects.count()
    form = {**request_form(gate.shot, gate.plate), "param_fog_density": value, "param_rain": "0.2"}
    response = client.post(_new(gate.world), form)
    html = response.content.decode()
    assert response.status_code == 400
    field = html[html.index('id="f-param_fog_density"') :]
    assert (
        f'value="{value}"' in field[: field.index(">")] and 'aria-invalid="true"' in field[: field.index(">")]
    )
    # The message sits after the field, before the next one.
    assert message in field[: field.index('id="f-param_fog_r"')]
    assert 'value="0.2"' in html[html.index('id="f-param_rain"') :][:200]  # what was typed is kept
    assert (GenerationRequest.objects.count(), LedgerEntry.objects.count()) == before
    preview = client.post(f"/productions/{gate.world.prod_a.pk}/requests/preview/", form).content.decode()
    assert "Not yet a request" in preview and message in preview


def test_an_intended_use_the_engine_does_not_support_is_refused_in_words(gate, client):
    response = client.post(
        _new(gate.world), {**request_form(gate.shot, gate.plate), "intended_use": "set_extension"}
    )
    assert response.status_code == 400
    assert "atmosphere is made for atmosphere, not set extension" in response.content.decode()
    assert GenerationRequest.objects.count() == 0


def test_the_preview_links_each_record_it_relies_on_in_the_line_of_its_reason(gate, client):
    preview = client.post(
        f"/productions/{gate.world.prod_a.pk}/requests/preview/", request_form(gate.shot, gate.plate)
    ).content.decode()
    relies = re.search(r'<span class="remedy">Relies on (.*?)</span>\s*\n', preview).group(1)
    # Each record and its punctuation are kept together, so that no comma starts a line.
    assert re.search(r'<a href="/records/grant/\d+/">Grant \d+</a>', relies)
    assert ">," not in relies.replace("</a>", "")


def test_an_output_downloads_under_its_production_shot_use_and_request(
    gate, client, api, django_capture_on_commit_callbacks
):
    req = gate.submit()
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_queue(actor=gate.world.producer_a, request=req)  # eager: runs and records it
    req.refresh_from_db()
    assert req.status == "succeeded"
    # The shot's code starts with the episode, not the production: the production's code leads.
    name = f"long-night_EP102_SH0040_atmosphere_r{req.pk}.png"
    response = client.get(f"/requests/{req.pk}/output/")
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Content-Type"] == "image/png" and response["tdm-reservation"] == "1"
    preview = client.get(f"/requests/{req.pk}/output/preview/")
    assert preview["Content-Disposition"] == f'inline; filename="{name}"'
    # The API serves the output asset under the same name, with its opt-out headers.
    content = api(gate.world.producer_a).get(f"/api/assets/{req.output.asset_id}/content/")
    assert content.status_code == 200 and content["Content-Disposition"] == f'attachment; filename="{name}"'
    assert content["tdm-reservation"] == "1"


def test_an_asset_downloads_under_its_original_name_with_the_extension_of_its_bytes(gate, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rightsledger import services
    from tests import images

    # A PNG uploaded under a JPEG's name: the name is kept, the extension is the bytes'.
    upload = SimpleUploadedFile("Harbour plate v3.JPG", images.png(77), content_type="image/jpeg")
    asset, _ = services.asset_register(
        actor=None, production=gate.world.prod_a, upload=upload, kind="plate", owner=gate.world.party
    )
    response = api(gate.world.clearance).get(f"/api/assets/{asset.pk}/content/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Harbour plate v3.png"'
    response = api(gate.world.clearance).get(f"/api/assets/{gate.plate.pk}/content/")
    assert response["Content-Disposition"] == 'attachment; filename="plate_31.png"'


def test_after_the_sign_off_the_decisions_badge_says_what_the_status_says(gate, client):
    gate.consent_and_grant()
    req = gate.submit(likeness=True)
    page = client.get(f"/requests/{req.pk}/").content.decode()
    decision = page[page.index("<h2>The decision</h2>") :]
    assert '<span class="badge warn">Needs sign-off</span>' in decision[:400]
    gate.world.clearance.first_name, gate.world.clearance.last_name = "Dana", "Okafor"
    gate.world.clearance.save()
    gen.request_sign_off(actor=gate.world.clearance, request=req, approve=True, comment="Covered.")
    page = client.get(f"/requests/{req.pk}/").content.decode()
    status = page[page.index('<section id="status"') :]
    decision = page[page.index("<h2>The decision</h2>") :]
    assert '<span class="badge ok">Approved</span>' in status[:400]
    assert '<span class="badge ok">Approved</span>' in decision[:400] and "Needs sign-off" not in page
    assert "It needed a clearance sign-off: approved by Dana Okafor" in decision
