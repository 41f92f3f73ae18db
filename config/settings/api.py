"""The REST API (Django REST framework) and its OpenAPI schema (drf-spectacular)."""

import os

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # API tokens (rl_…), under "Bearer" or "Token"; an older token still works until rotated.
        "rightsledger.api.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # A request made with an API token stays within the token's scope.
        "rightsledger.api.tokens.TokenScope",
    ],
    "DEFAULT_PARSER_CLASSES": [
        # JSON only: a form cannot carry the nested lists (memberships, inputs...) these bodies
        # have, and would drop them silently. Views that take files say so themselves.
        "rightsledger.api.parsers.JSONParser",
    ],
    # JSON only: the schema documents JSON, and the API answers nothing else (no browsable HTML
    # pages under /api/; /api/docs/ is the API's page for people).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rightsledger.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["rightsledger.api.filtering.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rightsledger.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {"training_clearance": os.environ.get("TRAINING_CLEARANCE_RATE", "120/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Rightsledger API",
    "DESCRIPTION": (
        "Rights clearance, consent and provenance for AI-assisted film and TV production. "
        "Every write is recorded in an append-only ledger; amendments and revocations are new versions."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny", "rightsledger.api.tokens.TokenScope"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_SPLIT_PATCH": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rightsledger.api.schema.document_errors",
        "rightsledger.api.schema.document_ids",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RecordStatusEnum": "rightsledger.vocab.RECORD_STATUSES",
        "TokenScopeEnum": "rightsledger.vocab.TOKEN_SCOPES",
        "RequestStatusEnum": "generation.models.STATUSES",
        "FlagOutcomeEnum": "rightsledger.models.notices.FLAG_OUTCOMES",
        "FlagStateEnum": "rightsledger.models.notices.FLAG_STATES",
    },
}
