"""API tokens as a person uses them, in headless Chromium: a clearance user makes a token, copies
it (with the button, and without JavaScript by selecting the text), a machine uses it, and the
user revokes it after a confirmation; a studio admin sees the token among those they look after.
Each page is checked with axe-core and screenshotted at 1,366 and 390 pixels wide."""

import datetime

from rightsledger import services, vocab
from rightsledger.models import ApiToken

from .test_browser import PASSWORD, Visit, browser, portal, pytestmark  # noqa: F401 (fixtures)
from .test_browser_registers import look


def test_a_clearance_user_makes_copies_uses_and_revokes_a_token(browser, portal):  # noqa: F811
    w = portal.world
    services.api_token_create(
        actor=w.producer_a,
        user=w.producer_a,
        name="Dailies sync for the editorial department's shared machine",
        scope=vocab.TOKEN_SCOPE_READ_ONLY,
        expires_at=datetime.date.today() + datetime.timedelta(days=20),
    )
    visit = Visit(browser, portal.url, w.clearance)
    page = visit.page
    visit.go("/clearance/")
    page.click("nav[aria-label=Main] >> text=API tokens")
    page.wait_for_load_state("networkidle")
    look(visit, "tokens-list-empty")
    page.click("text=Make a token")
    page.wait_for_load_state("networkidle")
    page.click("main button[type=submit]")  # no name: said next to the field
    page.wait_for_load_state("networkidle")
    assert "Give the token a name" in page.inner_text("main")
    look(visit, "token-new-refused")
    page.fill("#f-name", "Nightly dataset check")
    page.check(f"input[name=scope][value={vocab.TOKEN_SCOPE_TRAINING_CLEARANCE}]")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    text = page.input_value("#f-token")
    assert text.startswith("rl_")
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("text=Copy the token")
    page.wait_for_selector("[data-copied]:has-text('Copied.')")
    assert page.evaluate("navigator.clipboard.readText()") == text
    look(visit, "token-made")
    # A machine uses it: training clearance answers, anything else refuses in words.
    headers = {"Authorization": f"Bearer {text}", "Content-Type": "application/json"}
    asked = page.request.post(
        portal.url + "/api/training-clearance/", data='{"sha256": ["' + "0" * 64 + '"]}', headers=headers
    )
    assert asked.status == 200 and asked.json()["results"][0]["verdict"] == "unknown"
    refused = page.request.get(portal.url + "/api/assets/", headers=headers)
    assert refused.status == 403 and "only ask for training clearance" in refused.text()

    visit.go("/account/tokens/")
    row = page.locator("table.cards tbody tr", has_text="Nightly dataset check")
    assert "Training clearance only" in row.inner_text() and "Active" in row.inner_text()
    assert text not in page.content()
    look(visit, "tokens-list")
    row.locator("text=Revoke").click()
    page.wait_for_load_state("networkidle")
    look(visit, "token-revoke")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "The token “Nightly dataset check” was revoked" in page.inner_text("main")
    assert page.request.get(portal.url + "/api/me/", headers=headers).status == 401
    visit.close()

    # The studio admin looks after production A's producer and clearance user.
    admin = Visit(browser, portal.url, w.admin)
    admin.go("/account/tokens/")
    others = admin.page.locator("section", has_text="Tokens of the people you look after")
    assert "Dailies sync" in others.inner_text() and "Nightly dataset check" in others.inner_text()
    look(admin, "tokens-list-admin")
    admin.close()


def test_without_javascript_the_token_is_there_to_select_and_copy(browser, portal):  # noqa: F811
    w = portal.world
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(portal.url + "/accounts/login/")
    page.fill("#id_username", w.producer_a.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(portal.url + "/account/tokens/new/")
    page.fill("#f-name", "Render farm")
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    field = page.locator("#f-token")
    assert field.get_attribute("readonly") is not None
    assert field.input_value().startswith(f"rl_{ApiToken.objects.get(user=w.producer_a).public_id}_")
    assert page.locator("text=Copy the token").is_hidden()
    field.click()
    page.keyboard.press("Control+A")
    assert page.evaluate("window.getSelection().toString() || document.activeElement.value") != ""
    context.close()
