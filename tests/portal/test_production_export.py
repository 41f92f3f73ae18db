"""A production's audit export: started from the production's page by clearance or an auditor,
made by a Celery task (every shot's PDF and CSV, and one CSV of every decision, in a ZIP), its
progress shown and polled, downloaded under the audit's access rules; a failure says so."""

import csv
import io
import re
import zipfile

import pytest
from pypdf import PdfReader

from generation import services as gen
from portal import exports
from rightsledger import services
from rightsledger.models import ProductionExport

from .. import factories as f
from ..generation.conftest import Gate


@pytest.fixture
def night(world, django_capture_on_commit_callbacks):
    """Production A with two shots that each had a request (one of them run), and one with none."""
    gate = Gate(world)
    gate.first = gate.submit()
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_queue(actor=world.producer_a, request=gate.first)  # eager: runs it
    gate.other = f.make_shot(world.prod_a, "EP102_SH0050")
    gate.second = gate.submit(shot=gate.other, seed=2)
    gate.empty = f.make_shot(world.prod_a, "EP102_SH0060")
    return gate


def start(client, production, capture):
    page = client.get(f"/productions/{production.pk}/shots/").content.decode()
    action = re.search(r'<form method="post" action="([^"]+/exports/)"', page).group(1)
    with capture(execute=True):  # the task runs (eagerly) once the job has committed
        return client.post(action)


def test_clearance_exports_every_shots_audit_in_one_zip(night, client, django_capture_on_commit_callbacks):
    world = night.world
    client.force_login(world.clearance)
    response = start(client, world.prod_a, django_capture_on_commit_callbacks)
    export = ProductionExport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.pk}/"
    assert (export.state, export.done, export.total, export.requested_by) == ("done", 3, 3, world.clearance)
    assert export.finished_at >= export.created_at
    page = client.get(f"/exports/{export.pk}/").content.decode()
    assert "All 3 shots exported on" in page and "hx-trigger" not in page  # done: no more polling
    download = client.get(f"/exports/{export.pk}/file/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    name = re.search(r'filename="([^"]+)"', download["Content-Disposition"]).group(1)
    assert re.fullmatch(r"long-night-audits-\d{8}-\d{4}\.zip", name)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    codes = ("EP102_SH0040", "EP102_SH0050", "EP102_SH0060")
    assert sorted(archive.namelist()) == sorted(
        [f"{c}/{c}-audit.{ext}" for c in codes for ext in ("pdf", "csv")] + ["decisions.csv"]
    )
    for code in codes:
        pdf = PdfReader(io.BytesIO(archive.read(f"{code}/{code}-audit.pdf")))
        assert f"Audit of shot {code}" in pdf.pages[0].extract_text()
        rows = list(csv.reader(io.StringIO(archive.read(f"{code}/{code}-audit.csv").decode())))
        assert rows[0] == exports.CSV_HEADER and {r[1] for r in rows[1:]} <= {code}
    every = list(csv.DictReader(io.StringIO(archive.read("decisions.csv").decode())))
    assert {r["Shot"] for r in every} == {"EP102_SH0040", "EP102_SH0050"}  # the third has none
    assert {r["Request"] for r in every} == {f"Request {night.first.pk}", f"Request {night.second.pk}"}


def test_only_clearance_and_auditors_start_one_and_only_readers_of_the_audit_see_it(
    night, client, django_capture_on_commit_callbacks
):
    world = night.world
    client.force_login(world.producer_a)  # reads the production, exports nothing
    assert "Export every shot" not in client.get(f"/productions/{world.prod_a.pk}/shots/").content.decode()
    assert client.post(f"/productions/{world.prod_a.pk}/exports/").status_code == 403
    client.force_login(world.guild_rep)
    assert client.post(f"/productions/{world.prod_a.pk}/exports/").status_code == 404
    assert not ProductionExport.objects.exists()
    client.force_login(world.auditor)
    start(client, world.prod_a, django_capture_on_commit_callbacks)
    export = ProductionExport.objects.get()
    assert export.requested_by == world.auditor and export.state == "done"
    # The audit's rules: whoever reads the production's audits may download it; no one else.
    for user, status in (
        (world.producer_a, 200),
        (world.clearance, 200),
        (world.producer_b, 404),
        (world.guild_rep, 404),
    ):
        client.force_login(user)
        assert client.get(f"/exports/{export.pk}/file/").status_code == status, user
        assert client.get(f"/exports/{export.pk}/").status_code == status, user
    client.logout()
    assert client.get(f"/exports/{export.pk}/file/").status_code == 302  # to the login page


def test_the_progress_is_polled_until_it_is_done(night, client):
    world = night.world
    export = services.production_export_create(actor=world.clearance, production=world.prod_a)
    client.force_login(world.clearance)
    waiting = client.get(f"/exports/{export.pk}/").content.decode()
    assert "Waiting for a worker" in waiting and f'hx-get="/exports/{export.pk}/status/"' in waiting
    services.production_export_progress(export_id=export.pk, done=1, total=3)
    status = client.get(f"/exports/{export.pk}/status/").content.decode()
    assert "1 of 3 shots exported" in status and 'hx-trigger="every 2s"' in status
    assert '<progress value="1" max="3"' in status
    assert client.get(f"/exports/{export.pk}/file/").status_code == 404  # not finished
    exports.production_export_build_now(export.pk)
    status = client.get(f"/exports/{export.pk}/status/").content.decode()
    assert "All 3 shots exported" in status and "hx-get" not in status
    export.refresh_from_db()
    made = export.file.name
    exports.production_export_build_now(export.pk)  # run twice: the finished export stays as it is
    export.refresh_from_db()
    assert export.file.name == made and ProductionExport.objects.count() == 1


def test_a_failed_export_says_so_and_offers_no_file(
    night, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    world = night.world
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the exports' folder should be")
    settings.MEDIA_ROOT = blocked  # storing the ZIP fails, as a full or unreachable disk would
    client.force_login(world.clearance)
    start(client, world.prod_a, django_capture_on_commit_callbacks)
    export = ProductionExport.objects.get()
    assert export.state == "failed" and not export.file and export.finished_at is not None
    page = client.get(f"/exports/{export.pk}/").content.decode()
    assert "Failed" in page and "The export stopped before it was finished. Start it again" in page
    assert "hx-trigger" not in page and "Download" not in page
    assert client.get(f"/exports/{export.pk}/file/").status_code == 404
