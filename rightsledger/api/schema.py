"""The OpenAPI schema says what the API does: the bodies amend and revoke take and the 201 they
answer, the shape of a record's history, and the error responses every operation can give, in
the one error shape of rightsledger.api.errors."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from .documents import JSON_PARTS
from .serializers import LedgerEntryOut

ERRORS = {
    "400": "The request is malformed or a value is refused; each error names its field and says why.",
    "401": "No valid token or session was given.",
    "403": "The caller may not do this (a role or a production they do not hold).",
    "404": "There is no such record, or the caller may not see it (the two are not told apart).",
    "405": "The method is not allowed on this path.",
    "409": "The request is valid but clashes with the record's current state (a newer version, a sign-off "
    "already made...).",
    "413": "The body or upload is over the limit.",
    "415": "The body's media type is not one this operation takes.",
    "429": "Too many requests; wait as Retry-After says.",
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "field", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "field": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                },
            },
        }
    },
}


class VersionedSchema(AutoSchema):
    """create takes the kind's input and answers 201 with the first version; amend takes {changes:
    <the record's fields, any of them>, reason}, revoke {reason[, scope]}; both answer 201 with the
    new version. history answers {versions, ledger_entries}."""

    def _action(self):
        return getattr(self.view, "action", None)

    def get_request_serializer(self):
        view = self.view
        if self._action() == "amend":
            return self._with_document(
                inline_serializer(
                    f"{view.noun.title()}AmendIn",
                    {"changes": view.input_class(partial=True), "reason": serializers.CharField()},
                )
            )
        if self._action() == "revoke":
            return view.revoke_class
        if self._action() == "create":
            return self._with_document(view.input_class)
        return super().get_request_serializer()

    def _with_document(self, body):
        """The JSON body, and where the kind has a document, the multipart body that carries the same
        JSON as text beside the file (rightsledger.api.documents)."""
        if not self.view.record.model.document_field:
            return body
        part = JSON_PARTS[self._action()]
        multipart = inline_serializer(
            f"{self.view.noun.title()}{self._action().title()}Upload",
            {
                part: serializers.CharField(
                    help_text="The same JSON the operation takes as application/json."
                ),
                "document": serializers.FileField(
                    required=False,
                    help_text="The document (a PDF or an image): its SHA-256 is computed here and recorded.",
                ),
            },
        )
        return {"application/json": body, "multipart/form-data": multipart}

    def get_response_serializers(self):
        view = self.view
        if self._action() in ("create", "amend", "revoke"):
            return {201: view.output_class}
        if self._action() == "history":
            return inline_serializer(
                f"{view.noun.title()}History",
                {"versions": view.output_class(many=True), "ledger_entries": LedgerEntryOut(many=True)},
            )
        return super().get_response_serializers()


def document_errors(result, generator, request, public):
    """A postprocessing hook: every operation documents the error responses it can give."""
    result.setdefault("components", {}).setdefault("schemas", {})["Errors"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Errors"}
    for _path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, why in ERRORS.items():
                responses.setdefault(
                    code, {"description": why, "content": {"application/json": {"schema": ref}}}
                )
    return result


# Record ids and ledger sequence numbers start at 1; the largest is PostgreSQL's bigint.
ID_MINIMUM, ID_MAXIMUM = 1, 2**63 - 1
# The ledger's query parameters that the ledger views read as whole numbers from 1.
LEDGER_NUMBERS = {"seq", "tree_size", "from", "to"}
# A list filter by a record's id takes any whole number from 0 (no record has it: no row).
FILTER_ID_MINIMUM = 0


def document_ids(result, generator, request, public):
    """A postprocessing hook: every whole-number path parameter (a record's id, a ledger sequence
    number) is documented as one from 1 to 2^63 - 1, and one that only digits match (a
    lookup_value_regex) as a whole number; a whole-number query parameter as the view reads it:
    the ledger's from 1, a filter by id from 0. Returns the schema."""
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema, where = parameter.get("schema", {}), parameter.get("in")
                if where == "path" and schema.get("pattern") in ("^[0-9]+$", "^\\d+$"):
                    schema.pop("pattern")
                    schema["type"] = "integer"
                if where in ("path", "query") and schema.get("type") == "integer":
                    by_filter = where == "query" and parameter["name"] not in LEDGER_NUMBERS
                    schema.setdefault("minimum", FILTER_ID_MINIMUM if by_filter else ID_MINIMUM)
                    schema.setdefault("maximum", ID_MAXIMUM)
    return result
