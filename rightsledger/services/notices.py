"""Flags and notices: a guild's flag on a consent, the portal's notifications (and their e-mails),
who is told about a production's records, and the alerts of terms about to end."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import models, transaction
from django.utils import timezone

from rightsledger.ledger.entry_types import EntryType

from .. import input_policy, vocab, words
from ..ledger.append import recording
from ..models import (
    ConsentFlag,
    ConsentRecord,
    ExpiryNotice,
    Guild,
    Notification,
    Production,
    Role,
)
from ..personal import record_commitments
from ..selectors import with_number
from .consents import CONSENT
from .grants import GRANT
from .records import current_versions

MAX_REASON_CHARS = 2000


def notify(*, users, subject: str, body: str = "", link: str = "") -> list:
    """Notify users in the portal, and by e-mail once the caller's transaction commits; return
    the notifications. Users without an e-mail address are notified in the portal only."""
    users = list(users)
    made = Notification.objects.bulk_create(
        [Notification(user=u, subject=subject[:200], body=body, link=link) for u in users]
    )
    site = settings.PORTAL_URL.rstrip("/")
    mails = [
        (f"[Rightsledger] {subject}", f"{body}\n\n{site}{link}" if link else body, None, [u.email])
        for u in users
        if u.email
    ]
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return made


def notifications_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications read (those of ids only, when given); return how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def clearance_users(production: Production):
    """Return the users who clear rights on a production: its clearance and its studio's admins."""
    return (
        get_user_model()
        .objects.filter(
            pk__in=current_versions(Role)
            .filter(status="active")
            .filter(
                models.Q(kind=vocab.ROLE_CLEARANCE, production=production)
                | models.Q(kind=vocab.ROLE_STUDIO_ADMIN, studio_id=production.studio_id)
            )
            .values("user_id")
        )
        .order_by("id")
    )


def checked_text(value: str, *, field: str, required: str) -> str:
    """Return a flag's or a reply's free text, normalised; raise a ValidationError on the field if
    it is empty (with the required message), too long, or holds what the input policy refuses."""
    value = input_policy.normalized((value or "").strip(), field=field)
    if not value:
        raise ValidationError({field: ValidationError(required, code="required")})
    if len(value) > MAX_REASON_CHARS:
        raise ValidationError(
            {
                field: ValidationError(
                    f"Keep it under {MAX_REASON_CHARS:,} characters; attach documents by reference.",
                    code="too_long",
                )
            }
        )
    if problem := input_policy.text_problem(field, value):
        raise ValidationError({field: ValidationError(problem.message, code=problem.code)})
    return value


def consent_flag(
    *, actor, consent: ConsentRecord, guild: Guild, reason: str, requests_revocation: bool = False
):
    """Record a guild's flag on a consent record (or its request that the consent be revoked),
    and notify the production's clearance users; return the flag."""
    reason = checked_text(
        reason, field="reason", required="Say what is wrong with the record, or why it should be revoked."
    )
    what = "requests the revocation of" if requests_revocation else "flags"
    with recording(actor=actor) as rec:
        flag = ConsentFlag.objects.create(
            consent=consent,
            guild=guild,
            raised_by=actor,
            reason=reason,
            requests_revocation=requests_revocation,
        )
        rec.append(
            EntryType.CONSENT_FLAGGED,
            {
                "flag": flag.pk,
                "consent": consent.pk,
                "chain": str(consent.chain),
                "guild": guild.pk,
                "requests_revocation": requests_revocation,
                **record_commitments(flag),
            },
            record=flag,
            production=consent.production,
        )
        notify(
            users=clearance_users(consent.production),
            subject=f"{guild} {what} consent {consent.number}",
            body=f"{guild}'s representative {what} consent {consent.number} (version {consent.version}) of "
            f"{consent.production}:\n\n{reason}",
            link=f"/records/consent/{consent.pk}/",
        )
    return flag


EXPIRY_THRESHOLDS = (30, 7)


def expiry_alerts_send(*, today: datetime.date | None = None) -> int:
    """Notify the clearance users of each grant and consent whose term ends within 30 days, and
    again within 7, once each; return how many alerts were sent."""
    today = today or datetime.date.today()
    sent = 0
    for kind, model in ((k.name, k.model) for k in (GRANT, CONSENT)):  # the kinds with a term
        ending = current_versions(model).filter(
            status="active",
            term_end__gte=today,
            term_end__lte=today + datetime.timedelta(days=max(EXPIRY_THRESHOLDS)),
        )
        for record in with_number(ending).select_related("production"):
            days = (record.term_end - today).days
            threshold = min(t for t in EXPIRY_THRESHOLDS if days <= t)
            with transaction.atomic():
                _, created = ExpiryNotice.objects.get_or_create(
                    record_type=kind, record_id=record.pk, threshold_days=threshold
                )
                if not created:
                    continue
                notify(
                    users=clearance_users(record.production),
                    subject=f"{record.display_name} of {record.production} ends in {days} days",
                    body=f"The term of {record.display_name} ends on {words.day(record.term_end)}. Renew it, "
                    "or plan the "
                    "release window inside it.",
                    link=f"/records/{kind}/{record.pk}/",
                )
                sent += 1
    return sent
