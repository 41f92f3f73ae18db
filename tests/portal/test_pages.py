"""The portal's pages through Django's test client: who sees what, what the forms say, and that
list pages cost the same number of queries however many rows they show."""

import datetime
import io
import re
from unittest import mock

import pytest
from django.core import mail
from django.core.files.storage import Storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from generation import services as gen
from generation.models import GenerationRequest
from portal import selectors as portal_selectors
from provenance.selectors import verify
from rightsledger import services
from rightsledger.models import ConsentFlag, LedgerEntry, Notification, RightsGrant

from .. import factories as f
from ..generation.conftest import Gate

PASSWORD = "a-long-portal-password-2026"


@pytest.fixture
def site(world, client, django_capture_on_commit_callbacks, settings):
    """The gate's world with a decided request, an output, a consent and logins for everyone."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher"
    ]  # the login form is tested, not the hash's cost
    gate = Gate(world)
    consent = f.make_consent(world.prod_a, gate.talent, permitted_uses=["likeness", "atmosphere"])
    req = gate.submit()
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_queue(actor=world.producer_a, request=req)  # eager: runs and records the output
    for user in (
        world.admin,
        world.clearance,
        world.producer_a,
        world.producer_b,
        world.guild_rep,
        world.auditor,
    ):
        user.set_password(PASSWORD)
        user.save()
    gate.consent, gate.request = consent, GenerationRequest.objects.get(pk=req.pk)
    return gate


def login(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def test_each_role_lands_on_its_own_start_page(site, client):
    w = site.world
    expected = {
        w.admin: "/clearance/",
        w.clearance: "/clearance/",
        w.producer_a: f"/productions/{w.prod_a.pk}/shots/",
        w.producer_b: f"/productions/{w.prod_b.pk}/shots/",
        w.guild_rep: "/guild/consents/",
        w.auditor: "/productions/",
    }
    for user, start in expected.items():
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0] == start, user.username
        assert response.status_code == 200
    client.logout()
    assert client.get("/").status_code == 200 and b"Log in" in client.get("/").content
    bad = client.post("/accounts/login/", {"username": w.clearance.username, "password": "wrong"})
    assert bad.status_code == 200 and b"did not match" in bad.content


def test_every_portal_page_answers_each_role_as_expected(site, client):
    """Every page, as every persona: 200 where the role may, 403 where the production is seen but
    the role may not, 404 where the production is not seen, and the login page for anonymous."""
    w = site.world
    req, shot, plate = site.request, site.shot, site.plate
    grant = RightsGrant.objects.filter(production=w.prod_a).first()
    readers, shooters, clearers = (
        {w.admin, w.clearance, w.producer_a, w.auditor},
        {w.admin, w.clearance, w.producer_a},
        {w.admin, w.clearance},
    )
    everyone = [w.admin, w.clearance, w.producer_a, w.producer_b, w.guild_rep, w.auditor]
    a = w.prod_a.pk

    def scoped(allowed, seen=readers):
        return {u: 200 if u in allowed else 403 if u in seen else 404 for u in everyone}

    pages = {
        "/productions/": {u: 200 for u in everyone},
        f"/productions/{a}/shots/": scoped(readers),
        f"/productions/{a}/requests/new/": scoped(shooters),
        f"/productions/{a}/requests/engine/": scoped(shooters),
        f"/productions/{a}/assets/": scoped(readers),
        f"/productions/{a}/records/grant/new/": scoped(clearers),
        f"/productions/{a}/records/consent/new/": scoped(clearers),
        f"/productions/{a}/records/reservation/new/": scoped(clearers),
        f"/requests/{req.pk}/": scoped(readers),
        f"/requests/{req.pk}/status/": scoped(readers),
        f"/requests/{req.pk}/output/": scoped(readers),
        f"/requests/{req.pk}/output/preview/": scoped(readers),
        "/clearance/": {u: 200 if u in clearers else 403 for u in everyone},
        "/notifications/": {u: 200 for u in everyone},
        f"/assets/{plate.pk}/": scoped(readers),
        f"/records/grant/{grant.pk}/": scoped(readers),
        f"/records/grant/{grant.pk}/amend/": scoped(clearers),
        f"/records/grant/{grant.pk}/revoke/": scoped(clearers),
        f"/records/consent/{site.consent.pk}/": scoped(readers),
        f"/shots/{shot.pk}/audit/": scoped(readers),
        f"/shots/{shot.pk}/audit.csv": scoped(readers),
        f"/shots/{shot.pk}/audit.prov.json": scoped(readers),
        "/guild/consents/": {u: 200 if u == w.guild_rep else 403 for u in everyone},
        f"/guild/consents/{site.consent.pk}/": {u: 200 if u == w.guild_rep else 403 for u in everyone},
    }
    cells = 0
    for url, expected in pages.items():
        login(client, None)
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/"), url
        cells += 1
        for user, status in expected.items():
            got = login(client, user).get(url).status_code
            assert got == status, f"{user.username} GET {url}: {got}, expected {status}"
            cells += 1
    for url in ("/", "/verify/", "/accounts/login/"):
        assert login(client, None).get(url).status_code == 200
    assert cells == len(pages) * (len(everyone) + 1) == 168


def test_a_password_is_changed_and_the_old_one_no_longer_works(site, client):
    w = site.world
    client.logout()
    assert (
        client.post("/accounts/login/", {"username": w.producer_a.username, "password": PASSWORD}).status_code
        == 302
    )
    assert client.get("/accounts/password_change/").status_code == 200
    short = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert short.status_code == 200 and "too short" in short.content.decode()
    done = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "harbour-rooftop-2027!",
            "new_password2": "harbour-rooftop-2027!",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/password_change/done/"
    client.post("/accounts/logout/")
    assert not client.login(username=w.producer_a.username, password=PASSWORD)
    assert client.login(username=w.producer_a.username, password="harbour-rooftop-2027!")


def test_a_record_form_shows_the_apis_message_and_writes_nothing(site, client):
    w = site.world
    login(client, w.clearance)
    before = RightsGrant.objects.count(), LedgerEntry.objects.count()
    response = client.post(
        f"/productions/{w.prod_a.pk}/records/grant/new/",
        {
            "grantor": w.party.pk,
            "assets": [site.plate.pk],
            "uses": ["genai_input"],
            "media": ["theatrical"],
            "territories": "US, XX",
            "term_start": "2026-01-01",
            "term_end": "2025-01-01",
            "contract_sha256": "abc",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Unknown territory code &#x27;XX&#x27;" in page
        and "64 hexadecimal" in page
        and "before it starts" in page
    )
    assert (RightsGrant.objects.count(), LedgerEntry.objects.count()) == before
    # And a good one is recorded, with its ledger entry, and shown.
    response = client.post(
        f"/productions/{w.prod_a.pk}/records/grant/new/",
        {
            "grantor": w.party.pk,
            "assets": [site.plate.pk],
            "uses": ["genai_input", "edit"],
            "media": ["theatrical"],
            "territories": "WORLD",
            "territory_exclusions": "CN",
            "term_start": "2026-01-01",
            "term_end": "2030-12-31",
            "contract_sha256": f.sha("rider"),
        },
    )
    grant = RightsGrant.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == f"/records/grant/{grant.pk}/"
    assert (
        grant.territories == ["WORLD"]
        and grant.territory_exclusions == ["CN"]
        and list(grant.assets.all()) == [site.plate]
    )
    assert LedgerEntry.objects.filter(record_type="grant", record_id=grant.pk).count() == 1


def test_an_upload_that_lies_about_its_type_is_refused_with_the_services_message(site, client):
    login(client, site.world.clearance)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/productions/{site.world.prod_a.pk}/assets/",
        {"kind": "plate", "file": SimpleUploadedFile("plate.png", b"notes\n" * 50)},
    )
    assert (
        response.status_code == 400
        and "named &#x27;plate.png&#x27; like an image" in response.content.decode()
    )


def test_amending_and_revoking_through_the_portal_shows_the_impact_first(site, client):
    login(client, site.world.clearance)
    grant = site.grant
    page = client.get(f"/records/grant/{grant.pk}/revoke/").content.decode()
    assert f"Request {site.request.pk}" in page and site.shot.code in page
    response = client.post(
        f"/records/grant/{grant.pk}/amend/",
        {
            "grantor": grant.grantor_id,
            "assets": [a.pk for a in grant.assets.all()],
            "uses": ["genai_input", "edit"],
            "media": grant.media,
            "territories": "WORLD",
            "territory_exclusions": "CN",
            "languages": "",
            "term_start": "2026-01-01",
            "term_end": "2031-12-31",
            "exclusivity": "non_exclusive",
            "contract_sha256": grant.contract_sha256,
            "reason": "Extension letter of 2026-05-01",
        },
    )
    amended = RightsGrant.objects.get(replaces=grant)
    assert (
        response.status_code == 302
        and amended.term_end == datetime.date(2031, 12, 31)
        and amended.reason == "Extension letter of 2026-05-01"
    )
    assert client.post(f"/records/grant/{amended.pk}/revoke/", {"reason": ""}).status_code == 400
    response = client.post(
        f"/records/grant/{amended.pk}/revoke/", {"reason": "Licence terminated by letter of 2026-06-01"}
    )
    revoked = RightsGrant.objects.get(replaces=amended)
    assert response.status_code == 302 and revoked.status == "revoked"
    # A superseded version cannot be revoked again: the service's conflict, shown as such.
    assert client.post(f"/records/grant/{grant.pk}/revoke/", {"reason": "again"}).status_code == 409


def test_the_impact_api_lists_what_relied_on_a_record(site, api):
    data = api(site.world.clearance).get(f"/api/impact/grant/{site.grant.pk}/").json()
    assert [r["id"] for r in data["requests"]] == [site.request.pk] and data["shots"] == [
        {"id": site.shot.pk, "code": site.shot.code}
    ]
    assert [o["asset"] for o in data["outputs"]] == [site.request.output.asset_id] and data["pending"] == []
    assert api(site.world.producer_b).get(f"/api/impact/grant/{site.grant.pk}/").status_code == 404
    assert api(site.world.clearance).get(f"/api/impact/party/{site.grant.pk}/").status_code == 404


def test_a_queued_request_relying_on_a_revoked_grant_stops_at_run_time(site, client):
    w = site.world
    req = gen.request_submit(
        actor=w.producer_a,
        production=w.prod_a,
        shot=site.shot,
        engine="atmosphere",
        seed=2,
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
        inputs=[{"asset": site.plate, "role": "plate"}],
    )
    gen.request_queue(
        actor=w.producer_a, request=req
    )  # queued: its task is sent once the transaction commits, and runs below
    login(client, w.clearance)
    page = client.get(f"/records/grant/{site.grant.pk}/revoke/").content.decode()
    assert "would stop at run time" in page
    client.post(f"/records/grant/{site.grant.pk}/revoke/", {"reason": "Terminated"})
    # After the revocation, what relied on it is flagged: the queued request, and the one already run.
    for flagged in (req, site.request):
        page = client.get(f"/requests/{flagged.pk}/").content.decode()
        assert "Flagged" in page and "has since been revoked" in page and "“Terminated”" in page
    assert "It will stop at run time" in client.get(f"/requests/{req.pk}/").content.decode()
    assert gen.request_run(request_id=req.pk) == "stopped"
    assert "has been revoked" in GenerationRequest.objects.get(pk=req.pk).failure


def test_a_guild_flag_is_a_ledger_entry_and_a_notice_to_clearance(
    site, client, django_capture_on_commit_callbacks
):
    w = site.world
    w.clearance.email, w.admin.email = "clearance@harbour.example", "admin@harbour.example"
    w.clearance.save(), w.admin.save()
    login(client, w.guild_rep)
    assert client.post(f"/guild/consents/{site.consent.pk}/flag/", {"reason": ""}).status_code == 400
    for unreadable in ("\x00", "\x1b[31m", " \x07 "):  # not an empty reason once cleaned: refused, naming why
        response = client.post(f"/guild/consents/{site.consent.pk}/flag/", {"reason": unreadable})
        assert response.status_code == 400 and "control character" in response.content.decode()
    assert not ConsentFlag.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/guild/consents/{site.consent.pk}/flag/",
            {"reason": "The performer did not see the final description.", "requests_revocation": "on"},
        )
    assert response.status_code == 302
    flag = ConsentFlag.objects.get()
    assert (
        flag.requests_revocation
        and LedgerEntry.objects.filter(
            record_type="consent_flag", record_id=flag.pk, entry_type="consent.flagged"
        ).exists()
    )
    assert b"final description" not in bytes(
        LedgerEntry.objects.get(record_type="consent_flag").body
    )  # the ledger keeps a digest
    flagged = Notification.objects.filter(link=f"/records/consent/{site.consent.pk}/")
    assert set(flagged.values_list("user__username", flat=True)) == {"clearance", "admin"}
    # The producer was told of their own request's output, by the site's run; of the flag, nobody else.
    assert set(Notification.objects.exclude(pk__in=flagged).values_list("user__username", flat=True)) == {
        "producer_a"
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@harbour.example", "clearance@harbour.example"]
    assert "requests the revocation of consent" in mail.outbox[0].subject
    assert "requests the revocation" in login(client, w.clearance).get("/clearance/").content.decode()
    assert client.post("/notifications/read/", {"next": "/clearance/"})["Location"] == "/clearance/"
    assert "requests the revocation" not in client.get("/clearance/").content.decode()
    assert (
        client.post("/notifications/read/", {"next": "https://elsewhere.example/"})["Location"] == "/"
    )  # no open redirect
    assert (
        Notification.objects.filter(user=w.admin, read_at__isnull=True).count() == 1
    )  # only the caller's are read
    # Someone else's guild, or no guild at all, may not flag it.
    assert (
        login(client, w.producer_a)
        .post(f"/guild/consents/{site.consent.pk}/flag/", {"reason": "x"})
        .status_code
        == 403
    )


def test_expiry_alerts_are_sent_once_per_threshold(site, django_capture_on_commit_callbacks):
    w = site.world
    w.clearance.email = "clearance@harbour.example"
    w.clearance.save()
    today = datetime.date(2030, 12, 1)  # the gate's grant ends 2030-12-31: 30 days out
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expiry_alerts_send(today=today) == 1
        assert services.expiry_alerts_send(today=today + datetime.timedelta(days=3)) == 0
        assert (
            services.expiry_alerts_send(today=datetime.date(2030, 12, 26)) == 1
        )  # 5 days out: the 7-day alert
    assert [m.subject for m in mail.outbox] == [
        f"[Rightsledger] Grant {site.grant.pk} of The Long Night ends in 30 days",
        f"[Rightsledger] Grant {site.grant.pk} of The Long Night ends in 5 days",
    ]


def test_the_pdf_report_holds_the_shots_audit(site, client):
    login(client, site.world.auditor)
    response = client.get(f"/shots/{site.shot.pk}/audit.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert (
        f"shot {site.shot.code}" in text
        and f"Request {site.request.pk}" in text
        and f"Grant {site.grant.number}" in text
    )
    csv_text = client.get(f"/shots/{site.shot.pk}/audit.csv").content.decode()
    assert (
        csv_text.splitlines()[0].startswith("Production,Shot,Request,Request status")
        and f"Grant {site.grant.number}, version 1" in csv_text
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_cost_the_same_queries_however_many_rows(site, client):
    w = site.world
    login(client, w.clearance)
    pages = [
        f"/productions/{w.prod_a.pk}/shots/",
        f"/productions/{w.prod_a.pk}/assets/",
        "/clearance/",
        f"/shots/{site.shot.pk}/audit/",
    ]
    before = {url: count_queries(client, url) for url in pages}
    likeness = site.likeness
    for n in range(3):
        shot = f.make_shot(w.prod_a, f"EP103_SH00{n}0")
        f.make_asset(w.prod_a, seed=60 + n)
        gen.request_submit(
            actor=w.producer_a,
            production=w.prod_a,
            shot=site.shot,
            engine="atmosphere",
            seed=10 + n,
            intended_use="atmosphere",
            media=["theatrical"],
            territories=["US"],
            release_start=datetime.date(2026, 6, 1),
            release_end=datetime.date(2026, 12, 31),
            inputs=[{"asset": site.plate, "role": "plate"}, {"asset": likeness, "role": "likeness"}],
        )
        assert shot
    assert {url: count_queries(client, url) for url in pages} == before
    login(client, w.guild_rep)
    url = "/guild/consents/"
    first = count_queries(client, url)
    for n in range(3):
        f.make_consent(w.prod_a, f.make_talent(f"Member {n}", guild=w.guild, member_id=f"SAG-9{n}"))
    assert count_queries(client, url) == first


def test_an_assets_page_lists_near_copies_the_user_may_see(site, client, django_capture_on_commit_callbacks):
    from .. import images

    w = site.world
    original = images.picture(88, (640, 360))
    with django_capture_on_commit_callbacks(execute=True):
        original_asset = f.make_asset(
            w.prod_a, kind="still", data=images.encode(original, "PNG"), seed=1
        )  # fingerprinted on commit
        cropped = original.crop((64, 36, 640, 360)).resize((480, 270))  # cut by a tenth, as a re-framed copy
        copy = f.make_asset(
            w.prod_a, kind="still", data=images.encode(cropped, "JPEG", quality=60), fmt="jpeg", seed=2
        )
        elsewhere = f.make_asset(
            w.prod_b, kind="still", data=images.encode(original, "JPEG", quality=70), fmt="jpeg", seed=3
        )
    page = login(client, w.clearance).get(f"/assets/{original_asset.pk}/").content.decode()
    assert (
        f"A-{copy.pk} " in page and f"A-{elsewhere.pk} " not in page
    )  # Salt Road's copy is not shown to The Long Night


def test_the_guild_sees_that_an_older_version_of_a_consent_is_superseded(site, client):
    w = site.world
    amended = services.consent_amend(
        actor=w.clearance, consent=site.consent, changes={"media": ["theatrical"]}, reason="Theatrical only."
    )
    login(client, w.guild_rep)
    old = client.get(f"/guild/consents/{site.consent.pk}/").content.decode()
    assert "Superseded" in old and f'href="/guild/consents/{amended.pk}/"' in old and "version 2</a>" in old
    current = client.get(f"/guild/consents/{amended.pk}/").content.decode()
    assert "Superseded" not in current and "This is version" not in current


def _credentials_section(page: str) -> str:
    found = re.search(r"<h3>Content Credentials</h3>.*?</details>", page, re.DOTALL)
    assert found, "the page shows no Content Credentials"
    return found.group(0)


def test_a_signed_outputs_credentials_are_verified_once_and_the_pages_then_read_no_file(site, client):
    """The request page verifies the output's Content Credentials the first time it is shown; after
    that, the page and its status panel (polled by htmx) show the same result without opening the
    output file or verifying it again: it is kept by the output's SHA-256."""
    req, asset = site.request, site.request.output.asset
    with asset.file.open("rb") as fh:
        expected = verify(fh.read(), asset.media_type)
    assert req.status == "succeeded" and expected["validation_state"] == "trusted"
    login(client, site.world.producer_a)
    # Counted, not replaced: the storage's own open and provenance's own verify run as always.
    with (
        mock.patch.object(Storage, "open", autospec=True, side_effect=Storage.open) as opened,
        mock.patch.object(portal_selectors.producer, "verify", wraps=verify) as verified,
    ):
        first = _credentials_section(client.get(f"/requests/{req.pk}/").content.decode())
        assert [c.args[1] for c in opened.call_args_list] == [asset.file.name] and verified.call_count == 1
        opened.reset_mock()
        verified.reset_mock()
        again = _credentials_section(client.get(f"/requests/{req.pk}/").content.decode())
        polled = _credentials_section(client.get(f"/requests/{req.pk}/status/").content.decode())
        assert opened.call_count == 0 and verified.call_count == 0
    assert first == again == polled
    # The tests trust the development root as the demo does: it says what it is, never "Trusted".
    assert "development key" in first and "Trusted" not in first
    assert expected["signer"]["common_name"] in first  # in the technical details
    assert all(ing["title"] in first for ing in expected["ingredients"])
