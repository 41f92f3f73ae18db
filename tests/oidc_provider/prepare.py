"""Make the test provider's database ready: its signing key, Rightsledger's client and the other
app's, and its people. Run as
`python -m tests.oidc_provider.prepare REDIRECT_URI CLIENT_ID SECRET [POST_LOGOUT_REDIRECT_URI]`."""

import os
import sys

import django


def main(redirect_uri: str, client_id: str, secret: str, post_logout_redirect_uri: str = "") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    from tests.oidc_provider.people import OTHER_CLIENT_ID

    call_command("migrate", verbosity=0)
    call_command("creatersakey")
    code = ResponseType.objects.get(value="code")
    for cid, csecret in ((client_id, secret), (OTHER_CLIENT_ID, "another-app-secret")):
        client = Client.objects.create(
            name=cid,
            client_type="confidential",
            client_id=cid,
            client_secret=csecret,
            jwt_alg="RS256",
            require_consent=False,
            reuse_consent=True,
        )
        client.redirect_uris = [redirect_uri]
        # Where the provider may send the browser once it has signed the person out (its
        # end-session endpoint refuses any other address).
        client.post_logout_redirect_uris = [post_logout_redirect_uri] if post_logout_redirect_uri else []
        client.save()
        client.response_types.add(code)
    for username, first, last in (
        ("sam", "Sam", "Rivera"),
        ("dana", "Dana", "Okafor"),
        ("wrong-audience", "Wes", "Audience"),
        ("expired", "Eve", "Expired"),
    ):
        User.objects.create_user(
            username,
            email=f"{username}@harbour.example",
            password="provider-password-2026",
            first_name=first,
            last_name=last,
        )


if __name__ == "__main__":
    main(*sys.argv[1:5])
