"""A record keeps its name across its versions (PORTAL.md): revoking or amending Grant 4 leaves
it Grant 4, at a new version; its old version's page says it is superseded and links the current
one, with no green "Active"; the request, the shot audit and its CSV show it revoked, with the
date; its page opens with a sentence."""

import re

from rightsledger import words
from rightsledger.models import RightsGrant

from .test_pages import login, site  # noqa: F401  (a fixture)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_revoked_grant_keeps_its_name_and_the_audit_shows_it_revoked(site, client):  # noqa: F811
    grant, req, shot = site.grant, site.request, site.shot
    login(client, site.world.clearance)
    first = _text(client.get(f"/records/grant/{grant.pk}/").content.decode())
    assert first.count(f"Grant {grant.pk}") >= 1 and "Version 1" in first
    assert " grants " in first and "as an input to AI generation" in first and "in every language" in first

    response = client.post(f"/records/grant/{grant.pk}/revoke/", {"reason": "Contract terminated early."})
    revoked = RightsGrant.objects.get(replaces=grant)
    assert response.status_code == 302 and response["Location"] == f"/records/grant/{revoked.pk}/"
    page = _text(client.get(f"/records/grant/{revoked.pk}/").content.decode())
    today = words.day(revoked.created_at)
    assert f"Grant {grant.pk}" in page and f"Grant {revoked.pk}" not in page
    assert f"Version 2 · Revoked · revoked on {today}" in page and "“Contract terminated early.”" in page

    old = client.get(f"/records/grant/{grant.pk}/").content.decode()
    main = _text(old.split('id="main"', 1)[1])
    assert main.startswith(f'tabindex="-1"> Superseded Superseded on {today}: see the current version')
    assert f'href="/records/grant/{revoked.pk}/">see the current version</a>' in old
    assert '<span class="badge ok">Active</span>' not in old  # never a green "Active" on an old version

    request_page = _text(client.get(f"/requests/{req.pk}/").content.decode())
    assert f"Grant {grant.pk}" in request_page and f"revoked on {today}" in request_page
    audit = _text(client.get(f"/shots/{shot.pk}/audit/").content.decode())
    assert f"Grant {grant.pk}, version 1, from" in audit and f"Grant {revoked.pk}," not in audit
    assert f"Revoked on {today} (“Contract terminated early.”)" in audit
    csv_text = client.get(f"/shots/{shot.pk}/audit.csv").content.decode()
    assert f"Grant {grant.pk} revoked on {today}" in csv_text and f"grant:{grant.pk}" not in csv_text
