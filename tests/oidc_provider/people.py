"""The provider's people: their claims, their stable subject, and two accounts whose ID tokens
the provider issues wrong on purpose, as a misconfigured or hostile provider would:

- `wrong-audience`: its ID token is made out for another registered client ("another-app");
- `expired`: its ID token expired ten minutes before it was issued to the client.
"""

import time

OTHER_CLIENT_ID = "another-app"


def subject(user) -> str:
    """The `sub` the provider names a person by: stable, and not their user name."""
    return f"harbour-{user.pk:06d}"


def userinfo(claims, user):
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["name"] = user.get_full_name()
    claims["preferred_username"] = user.username
    claims["email"] = user.email
    claims["email_verified"] = True
    return claims


def id_token_as_issued(id_token, user, token, request, **kwargs):
    if user.username == "wrong-audience":
        id_token["aud"] = OTHER_CLIENT_ID
    elif user.username == "expired":
        now = int(time.time())
        id_token["iat"] = now - 3600
        id_token["exp"] = now - 600
    return id_token
