"""Generation records in the admin, read-only: they change only through the gate's services."""

from django.contrib import admin

from rightsledger.admin import ProductionScopedAdmin

from .models import (
    Decision,
    GenerationOutput,
    GenerationRequest,
    OutputDisclosure,
    RequestInput,
    SignOff,
    SubmissionKey,
)


class RequestScopedAdmin(ProductionScopedAdmin):
    """The rows of a request (its inputs, decisions, sign-offs...), scoped by the request's production."""

    production_field = "request__production"


@admin.register(GenerationRequest)
class GenerationRequestAdmin(ProductionScopedAdmin):
    list_display = ["id", "production", "shot", "engine", "intended_use", "status", "created_at"]
    list_filter = ["status", "engine"]


@admin.register(RequestInput)
class RequestInputAdmin(RequestScopedAdmin):
    list_display = ["request", "position", "role", "asset", "match"]


@admin.register(Decision)
class DecisionAdmin(RequestScopedAdmin):
    list_display = ["id", "request", "kind", "outcome", "as_of_seq", "ledger_seq"]
    list_filter = ["kind", "outcome"]


@admin.register(SignOff)
class SignOffAdmin(RequestScopedAdmin):
    list_display = ["request", "approver", "approved", "created_at"]


@admin.register(GenerationOutput)
class GenerationOutputAdmin(RequestScopedAdmin):
    list_display = ["request", "asset", "engine_seconds", "created_at"]


@admin.register(OutputDisclosure)
class OutputDisclosureAdmin(ProductionScopedAdmin):
    production_field = "output__request__production"
    list_display = ["output", "position", "basis", "decided_by", "ledger_seq", "created_at"]
    list_filter = ["position", "basis"]


@admin.register(SubmissionKey)
class SubmissionKeyAdmin(RequestScopedAdmin):
    list_display = ["request", "requester", "key", "created_at"]
