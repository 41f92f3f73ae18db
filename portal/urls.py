from django.urls import path

from .views import audit, clearance, guild, producer, public, records

app_name = "portal"

urlpatterns = [
    path("", public.home, name="home"),
    path("productions/", producer.productions, name="productions"),
    path("productions/<int:production>/shots/", producer.shots, name="shots"),
    path("productions/<int:production>/timeline/", producer.timeline, name="timeline"),
    path("productions/<int:production>/timeline.otio", producer.timeline_export, name="timeline_export"),
    path("productions/<int:production>/requests/new/", producer.request_new, name="request_new"),
    path("productions/<int:production>/requests/preview/", producer.request_preview, name="request_preview"),
    path("productions/<int:production>/assets/", clearance.assets, name="assets"),
    path("productions/<int:production>/records/<str:kind>/new/", records.record_new, name="record_new"),
    path("requests/<int:pk>/", producer.request_detail, name="request"),
    path("requests/<int:pk>/status/", producer.request_status, name="request_status"),
    path("requests/<int:pk>/queue/", producer.request_queue, name="request_queue"),
    path("requests/<int:pk>/sign-off/", clearance.request_sign_off, name="request_sign_off"),
    path("requests/<int:pk>/output/", producer.output_file, name="output"),
    path("requests/<int:pk>/output/preview/", producer.output_file, {"inline": True}, name="output_preview"),
    path("clearance/", clearance.clearance, name="clearance"),
    path("notifications/read/", clearance.notifications_read, name="notifications_read"),
    path("assets/<int:pk>/", clearance.asset_detail, name="asset"),
    path("records/<str:kind>/<int:pk>/", records.record_detail, name="record"),
    path("records/<str:kind>/<int:pk>/amend/", records.record_amend, name="record_amend"),
    path("records/<str:kind>/<int:pk>/revoke/", records.record_revoke, name="record_revoke"),
    path("shots/<int:pk>/audit/", audit.shot_audit, name="shot_audit"),
    path("shots/<int:pk>/audit.csv", audit.shot_audit_csv, name="shot_audit_csv"),
    path("shots/<int:pk>/audit.pdf", audit.shot_audit_pdf, name="shot_audit_pdf"),
    path("shots/<int:pk>/audit.prov.json", audit.shot_audit_prov, name="shot_audit_prov"),
    path("shots/<int:pk>/lineage.svg", audit.shot_lineage_svg, name="shot_lineage_svg"),
    path("productions/<int:production>/exports/", audit.production_export_new, name="production_export_new"),
    path("exports/<int:pk>/", audit.production_export, name="production_export"),
    path("exports/<int:pk>/status/", audit.production_export_status, name="production_export_status"),
    path("exports/<int:pk>/file/", audit.production_export_file, name="production_export_file"),
    path("guild/consents/", guild.guild_consents, name="guild_consents"),
    path("guild/consents/<int:pk>/", guild.guild_consent, name="guild_consent"),
    path("guild/consents/<int:pk>/flag/", guild.guild_flag, name="guild_flag"),
    path("verify/", public.verify_page, name="verify"),
    path("ledger/", public.ledger, name="ledger"),
]
