from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("productions/", views.productions, name="productions"),
    path("productions/<int:production>/shots/", views.shots, name="shots"),
    path("productions/<int:production>/timeline/", views.timeline, name="timeline"),
    path("productions/<int:production>/timeline.otio", views.timeline_export, name="timeline_export"),
    path("productions/<int:production>/requests/new/", views.request_new, name="request_new"),
    path("productions/<int:production>/requests/preview/", views.request_preview, name="request_preview"),
    path("productions/<int:production>/assets/", views.assets, name="assets"),
    path("productions/<int:production>/records/<str:kind>/new/", views.record_new, name="record_new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/status/", views.request_status, name="request_status"),
    path("requests/<int:pk>/queue/", views.request_queue, name="request_queue"),
    path("requests/<int:pk>/sign-off/", views.request_sign_off, name="request_sign_off"),
    path("requests/<int:pk>/output/", views.output_file, name="output"),
    path("requests/<int:pk>/output/preview/", views.output_file, {"inline": True}, name="output_preview"),
    path("clearance/", views.clearance, name="clearance"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("assets/<int:pk>/", views.asset_detail, name="asset"),
    path("records/<str:kind>/<int:pk>/", views.record_detail, name="record"),
    path("records/<str:kind>/<int:pk>/amend/", views.record_amend, name="record_amend"),
    path("records/<str:kind>/<int:pk>/revoke/", views.record_revoke, name="record_revoke"),
    path("shots/<int:pk>/audit/", views.shot_audit, name="shot_audit"),
    path("shots/<int:pk>/audit.csv", views.shot_audit_csv, name="shot_audit_csv"),
    path("shots/<int:pk>/audit.pdf", views.shot_audit_pdf, name="shot_audit_pdf"),
    path("shots/<int:pk>/audit.prov.json", views.shot_audit_prov, name="shot_audit_prov"),
    path("guild/consents/", views.guild_consents, name="guild_consents"),
    path("guild/consents/<int:pk>/", views.guild_consent, name="guild_consent"),
    path("guild/consents/<int:pk>/flag/", views.guild_flag, name="guild_flag"),
    path("verify/", views.verify_page, name="verify"),
]
