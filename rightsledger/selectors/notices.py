"""What needs a person's attention: terms ending soon, notifications, and guilds' flags."""

import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from .. import access
from ..models import ConsentFlag, ConsentRecord, Notification, RightsGrant
from ..models.notices import FLAG_UNRESOLVED
from .scope import with_number


def terms_ending_for(user, start: datetime.date, end: datetime.date) -> list:
    """Return the current, active grants and consents of the user's productions whose term ends
    from start to end (both included), soonest first (two queries)."""
    window = dict(status="active", replaced_by__isnull=True, term_end__gte=start, term_end__lte=end)
    records = [
        *with_number(access.filter_by_production(RightsGrant.objects.filter(**window), user)).select_related(
            "production", "grantor"
        ),
        *with_number(
            access.filter_by_production(ConsentRecord.objects.filter(**window), user)
        ).select_related("production", "talent"),
    ]
    return sorted(records, key=lambda r: (r.term_end, r.ledger_type, r.pk))


def expiring_for(user, *, within_days: int = 30, today=None) -> list:
    """Return the current grants and consents of the user's productions whose term ends within
    the given days, soonest first (two queries)."""
    today = today or datetime.date.today()
    records = terms_ending_for(user, today, today + datetime.timedelta(days=within_days))
    for r in records:
        r.days_left = (r.term_end - today).days
    return records


def notifications_for(user, *, unread_only: bool = True) -> QuerySet:
    """Return the user's notifications, newest first."""
    qs = (
        Notification.objects.filter(user=user)
        if getattr(user, "is_authenticated", False)
        else Notification.objects.none()
    )
    return qs.filter(read_at__isnull=True) if unread_only else qs


# --- Guilds' flags -------------------------------------------------------------------------------


def _flags() -> QuerySet:
    """Flags with their consent, and `consent_number`: the number the consent is known by for life
    ("Consent 1", whichever of its versions was flagged)."""
    first = ConsentRecord.objects.filter(chain=OuterRef("consent__chain"), version=1).values("id")[:1]
    return (
        ConsentFlag.objects.select_related("consent__talent", "consent__production", "guild")
        .annotate(consent_number=Subquery(first))
        .order_by("id")
    )


def with_no_record(ids) -> list[int]:
    """Return ids, and 0 (which names no record): a look-up by them always runs its one query,
    where an empty list would run none, so a page costs the same queries whether or not it relies
    on any record."""
    return sorted({int(i) for i in ids} | {0})


def open_flags_on(consent_ids) -> list[ConsentFlag]:
    """Return the unresolved flags (open or answered) on any version of the given consents: what
    a page that relies on them warns of, and what approving over them acknowledges. One query."""
    chains = ConsentRecord.objects.filter(pk__in=with_no_record(consent_ids)).values("chain")
    return list(_flags().filter(state__in=FLAG_UNRESOLVED, consent__chain__in=chains))


def flags_on_chain(consent: ConsentRecord, *, guilds=None) -> QuerySet:
    """Return every flag on any version of a consent, with its replies (of the given guilds only,
    if named): the record's page and the guild's page show them with their state."""
    qs = _flags().filter(consent__chain=consent.chain).prefetch_related("replies__author")
    return qs if guilds is None else qs.filter(guild_id__in=guilds)


def open_flags_for(user) -> QuerySet:
    """Return the unresolved flags on consents of the productions the user clears: clearance's
    dashboard lists them from the flags themselves, whatever the notifications say."""
    qs = _flags().filter(state__in=FLAG_UNRESOLVED)
    return access.filter_by_production(qs, user, "consent__production", access.CLEARANCE_ROLES)


def with_flag_state(consents: QuerySet, *, guilds) -> QuerySet:
    """Annotate each consent with the state of the latest flag the given guilds raised on any
    version of it (`flag_state`: open, answered, resolved, or None), in the same query."""
    latest = ConsentFlag.objects.filter(consent__chain=OuterRef("chain"), guild_id__in=guilds).order_by("-id")
    return consents.annotate(flag_state=Subquery(latest.values("state")[:1]))
