"""A small OpenID Connect provider of the tests' own (django-oidc-provider), run in its own
process by the single sign-on tests: the studio's identity provider, over real HTTP."""
