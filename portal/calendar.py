"""Terms ending: the month calendar of grants and consents whose term ends, and a user's iCalendar
feed (RFC 5545, made by the icalendar package) of the same, as the user may see them now."""

import calendar
import datetime
from dataclasses import dataclass

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from rightsledger import selectors as rl_selectors
from rightsledger.models import CalendarFeed, ConsentRecord, RightsGrant
from rightsledger.services import calendar_token_hash

from . import words

# What the feed holds: terms that ended in the last FEED_PAST_DAYS, and those ending within
# FEED_FUTURE_DAYS (a calendar application keeps what it has already read).
FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 3 * 366


@dataclass(frozen=True)
class Ending:
    """A grant's or consent's term ending, as the calendar and the feed show it."""

    uid: str
    day: datetime.date
    name: str
    about: str
    url: str


def _numbers(records) -> dict:
    """Return the number of each record (its first version's id) by chain: one query a kind."""
    numbers = {}
    for model in (RightsGrant, ConsentRecord):
        chains = [r.chain for r in records if isinstance(r, model)]
        if chains:
            numbers.update(model.objects.filter(chain__in=chains, version=1).values_list("chain", "pk"))
    return numbers


def endings(user, start: datetime.date, end: datetime.date) -> list[Ending]:
    """Return the user's grants and consents ending from start to end, soonest first."""
    records = rl_selectors.terms_ending_for(user, start, end)
    numbers = _numbers(records)
    found = []
    for r in records:
        number = numbers.get(r.chain, r.pk)
        if isinstance(r, RightsGrant):
            name = f"Grant {number}"
            about = f"{r.grantor.name} to {r.production.title}"
        else:
            name = f"Consent {number}"
            about = f"{r.talent} for {r.production.title}"
        url = reverse("portal:record", args=[r.ledger_type, r.pk])
        found.append(Ending(f"{r.ledger_type}-{r.chain}-end@rightsledger", r.term_end, name, about, url))
    return found


def month_of(value: str | None, today: datetime.date) -> datetime.date | None:
    """Return the first day of the month given as YYYY-MM (this month if none); None if malformed."""
    if not value:
        return today.replace(day=1)
    try:
        first = datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None
    return first if 1900 <= first.year <= 9999 else None


def calendar_page(user, first: datetime.date) -> dict:
    """Return a month's calendar: weeks of days, each with the terms ending on it, and the months
    before and after."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    by_day: dict[datetime.date, list[Ending]] = {}
    for e in endings(user, first, last):
        by_day.setdefault(e.day, []).append(e)
    weeks = [
        [{"day": d, "in_month": d.month == first.month, "endings": by_day.get(d, [])} for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = last + datetime.timedelta(days=1)
    return {
        "month": f"{first:%B %Y}",
        "weeks": weeks,
        "weekdays": [calendar.day_name[i] for i in range(7)],
        "count": sum(len(v) for v in by_day.values()),
        "previous": f"{previous:%Y-%m}",
        "previous_name": f"{previous:%B %Y}",
        "next": f"{following:%Y-%m}",
        "next_name": f"{following:%B %Y}",
        "feed": CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first(),
    }


def feed_user(token: str):
    """Return the user whose feed in force the token opens, or None (unknown, revoked, or a user
    who can no longer sign in)."""
    feed = (
        CalendarFeed.objects.filter(token_sha256=calendar_token_hash(token), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    return feed.user if feed and feed.user.is_active else None


def feed_ics(user, today: datetime.date | None = None) -> bytes:
    """Return the user's feed of terms ending, as RFC 5545 text: one all-day event a term."""
    today = today or datetime.date.today()
    site = settings.PORTAL_URL.rstrip("/")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Rightsledger//Terms ending//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Rightsledger: terms ending")
    stamp = timezone.now().replace(microsecond=0)
    start = today - datetime.timedelta(days=FEED_PAST_DAYS)
    for e in endings(user, start, today + datetime.timedelta(days=FEED_FUTURE_DAYS)):
        event = icalendar.Event()
        event.add("uid", e.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", e.day)
        event.add("dtend", e.day + datetime.timedelta(days=1))
        event.add("summary", f"{e.name} ends: {e.about}")
        event.add(
            "description",
            f"The term of {e.name} ({e.about}) ends on {words.day(e.day)}. {site}{e.url}",
        )
        event.add("url", f"{site}{e.url}")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
