"""Provenance records in the admin, read-only. Signing identities show no key material (there is
none in the database); faces show no descriptor (biometric data, read by no API either)."""

from django.contrib import admin

from rightsledger.admin import AssetScopedAdmin, ProductionScopedAdmin, ReadOnlyAdmin

from .models import (
    AssetCredential,
    AssetFace,
    FaceReference,
    FaceScan,
    FaceSighting,
    Fingerprint,
    LineageEdge,
    PerceptualHash,
    SignedOutput,
    SigningIdentity,
    Watermark,
)


@admin.register(SigningIdentity)
class SigningIdentityAdmin(ReadOnlyAdmin):
    list_display = ["name", "subject", "active", "development", "not_after", "retired_at"]
    exclude = ["passphrase_file", "passphrase_env"]


@admin.register(SignedOutput)
class SignedOutputAdmin(AssetScopedAdmin):
    list_display = ["asset", "manifest_label", "identity", "created_at"]
    exclude = ["manifest_store"]


@admin.register(Watermark)
class WatermarkAdmin(ProductionScopedAdmin):
    production_field = "output__asset__production"
    list_display = ["identifier", "output", "created_at"]
    search_fields = ["identifier"]


@admin.register(AssetCredential)
class AssetCredentialAdmin(AssetScopedAdmin):
    list_display = ["asset", "validation_state", "active_manifest"]


@admin.register(LineageEdge)
class LineageEdgeAdmin(ProductionScopedAdmin):
    production_field = "child__production"
    list_display = ["parent", "child", "role", "decision_seq"]


@admin.register(Fingerprint)
class FingerprintAdmin(AssetScopedAdmin):
    list_display = ["asset", "frame_seconds", "model", "dims"]
    exclude = ["embedding"]


@admin.register(PerceptualHash)
class PerceptualHashAdmin(AssetScopedAdmin):
    list_display = ["asset", "variant", "hash"]


@admin.register(FaceScan)
class FaceScanAdmin(AssetScopedAdmin):
    list_display = ["asset", "frames", "faces", "skipped", "usable", "created_at"]


@admin.register(FaceReference)
class FaceReferenceAdmin(AssetScopedAdmin):
    list_display = ["talent", "asset", "created_at"]
    exclude = ["descriptor"]


@admin.register(AssetFace)
class AssetFaceAdmin(AssetScopedAdmin):
    list_display = ["asset", "frame_index", "seconds", "created_at"]
    exclude = ["descriptor"]


@admin.register(FaceSighting)
class FaceSightingAdmin(AssetScopedAdmin):
    list_display = ["asset", "frame_index", "seconds", "talent", "distance", "created_at"]
