"""The registers' filters, search and sorting, as django-filter filtersets read from the URL's
query string (a GET form), so a filtered view can be bookmarked and sent.

Search is PostgreSQL's full-text search (the 'simple' configuration, every word a prefix, so a
part of a name finds it) where the database is PostgreSQL, and a plain icontains of every word
elsewhere (SQLite, for the demo). It reads only what a page may show: the personal fields of an
erased consent or performer are left out of the text searched, not merely blank."""

import datetime
import functools
import operator
import re
from dataclasses import dataclass

import django_filters
import pycountry
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Exists, Func, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast

from generation.models import STATUSES as REQUEST_STATUSES
from rightsledger import vocab
from rightsledger.models import ConsentFlag

from . import words

# A register's statuses, beside the record's own (active or revoked): a term that has ended.
RECORD_STATES = (("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked"))
FLAGGED = (("yes", "Flagged by a guild"), ("no", "Not flagged"))
SHOT_STATES = (("in_edit", "In the edit"), ("removed", "Removed from the edit"))
TERRITORY_CHOICES = tuple(
    sorted(((c.alpha_2, words.territory(c.alpha_2)) for c in pycountry.countries), key=lambda c: c[1])
)


def _choices(codes) -> tuple:
    return tuple((c, words.code(c)[:1].upper() + words.code(c)[1:]) for c in codes)


@dataclass(frozen=True)
class Searched:
    """A field a register searches, and when its text may be shown (None: always)."""

    path: str
    shown: Q | None = None


class Words(Func):
    """A column's words as PostgreSQL's full-text search reads them ('simple': no stemming): the
    expression of the column's GIN index (rightsledger/migrations/_search.py), written out, not
    through SearchVector, whose configuration travels as a parameter and hides the index."""

    template = "to_tsvector('simple'::regconfig, COALESCE(%(expressions)s, ''))"
    output_field = SearchVectorField()


def _matching(model, field: Searched, term: str) -> Q:
    """Return the condition: the row's field holds a word that starts with term (where shown).

    The field's own table is searched first, through its index, and the row then found by the
    key that leads there: a word in a production's title costs one production, not a scan of
    every grant joined to its production."""
    *hops, column = field.path.split("__")
    target, relations = model, []
    for hop in hops:
        relations.append(target._meta.get_field(hop))
        target = relations[-1].related_model
    if connection.vendor == "postgresql":
        query = SearchQuery(f"{term}:*", search_type="raw", config="simple")
        found = target.objects.alias(_words=Words(column)).filter(_words=query).values("pk")
    else:
        found = target.objects.filter(**{f"{column}__icontains": term}).values("pk")
    if not hops:
        condition = Q(pk__in=found)
    elif not any(r.many_to_many or r.one_to_many for r in relations):
        condition = Q(**{f"{'__'.join(hops)}__in": found})
    elif len(relations) == 1 and relations[0].many_to_many and relations[0].concrete:
        # A grant's assets: read from the table that links them, not joined back to the grants.
        m2m = relations[0]
        links = m2m.remote_field.through.objects.filter(**{f"{m2m.m2m_reverse_field_name()}__in": found})
        condition = Q(pk__in=links.values(m2m.m2m_field_name()))
    else:  # matched by id, so that a row with many matching records is counted once
        condition = Q(pk__in=model.objects.filter(**{f"{'__'.join(hops)}__in": found}).values("pk"))
    return condition if field.shown is None else condition & field.shown


def search(qs: QuerySet, fields: tuple[Searched, ...], value: str) -> QuerySet:
    """Return the rows of qs that hold every word of value, each in one of the searched fields
    (as a prefix, on PostgreSQL; anywhere in a field, elsewhere).

    Each field is a subquery of its own, which PostgreSQL answers from the field's index: a word
    costs what its matches cost, not a scan of the rows and of every table they join. The
    condition is part of the page's own statements (its count and its page of ids): a search adds
    no statement."""
    terms = [t.lower() for t in re.findall(r"[^\W_]+", value)]
    if not terms:
        return qs
    model = qs.model
    return qs.filter(
        functools.reduce(
            operator.and_,
            (functools.reduce(operator.or_, (_matching(model, f, t) for f in fields)) for t in terms),
        )
    )


def json_has(*paths: str):
    """Return a filter method: rows whose JSON list at any of paths holds the value (read as JSON
    text, on PostgreSQL and SQLite alike)."""

    def method(qs, name, value):
        if not value:
            return qs
        condition = Q()
        for n, path in enumerate(paths):
            alias = f"_json_{name}_{n}"
            qs = qs.annotate(**{alias: Cast(path, TextField())})
            condition |= Q(**{f"{alias}__contains": f'"{value}"'})
        return qs.filter(condition)

    return method


def _territory(qs, name, value):
    """Rows whose territories include the country (by name or as worldwide), less exclusions."""
    if not value:
        return qs
    qs = qs.annotate(
        _territories=Cast("territories", TextField()), _excluded=Cast("territory_exclusions", TextField())
    )
    covered = Q(_territories__contains=f'"{value}"') | Q(_territories__contains=f'"{vocab.WORLD}"')
    return qs.filter(covered).exclude(_excluded__contains=f'"{value}"')


def _record_state(qs, name, value):
    today = datetime.date.today()
    if value == "revoked":
        return qs.filter(status="revoked")
    ended = Q(term_end__lt=today)
    if value == "expired":
        return qs.filter(ended, status="active")
    if value == "active":
        return qs.filter(status="active").exclude(ended)
    return qs


class RegisterFilter(django_filters.FilterSet):
    """What every register reads from its URL: the words searched, the production and the page's
    order. A subclass names its searched fields, its other filters and its columns' order."""

    searched: tuple[Searched, ...] = ()
    production_path = "production_id"

    q = django_filters.CharFilter(method="search_words", label="Search")
    production = django_filters.ChoiceFilter(method="in_production", label="Production", empty_label="Any")

    def __init__(self, data=None, queryset=None, *, productions=(), flag_guilds=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.flag_guilds = flag_guilds
        self.filters["production"].extra["choices"] = [(str(p.pk), p.title) for p in productions]

    def search_words(self, qs, name, value):
        return search(qs, self.searched, value) if value else qs

    def in_production(self, qs, name, value):
        paths = self.production_path.split("|")
        return qs.filter(functools.reduce(operator.or_, (Q(**{p: int(value)}) for p in paths)))

    def is_flagged(self, qs, name, value):
        """Consents one of whose versions a guild flagged (for a guild, one of its own guilds)."""
        flags = ConsentFlag.objects.filter(consent__chain=OuterRef("chain"))
        if self.flag_guilds is not None:
            flags = flags.filter(guild_id__in=self.flag_guilds)
        condition = Exists(flags)
        return qs.filter(condition if value == "yes" else ~condition)


def _ordering(*columns: tuple[str, str, str]) -> django_filters.OrderingFilter:
    return django_filters.OrderingFilter(
        fields=tuple((path, key) for path, key, _ in columns),
        field_labels={path: label for path, _, label in columns},
        label="Sort by",
        empty_label="Newest first",
    )


_NAME = ("id", "name", "Name")
_PRODUCTION = ("production__title", "production", "Production")
_ENDS = ("term_end", "ends", "Term ends")
_GRANT_USES = _choices(vocab.GRANT_USES)
_MEDIA = _choices(vocab.MEDIA)


class GrantFilter(RegisterFilter):
    searched = (
        Searched("grantor__name"),
        Searched("production__title"),
        Searched("assets__title"),
        Searched("assets__original_filename"),
        Searched("restrictions"),
        Searched("reason"),
    )
    status = django_filters.ChoiceFilter(
        choices=RECORD_STATES, method=_record_state, empty_label="Any", label="Status"
    )
    use = django_filters.ChoiceFilter(
        choices=_GRANT_USES, method=json_has("uses"), empty_label="Any", label="Use"
    )
    medium = django_filters.ChoiceFilter(
        choices=_MEDIA, method=json_has("media"), empty_label="Any", label="Medium"
    )
    territory = django_filters.ChoiceFilter(
        choices=TERRITORY_CHOICES, method=_territory, empty_label="Any", label="Territory"
    )
    ends_before = django_filters.DateFilter(field_name="term_end", lookup_expr="lt", label="Ends before")
    sort = _ordering(_NAME, ("grantor__name", "grantor", "Grantor"), _PRODUCTION, _ENDS)


_CONSENT_PERSONAL = Q(erased_at__isnull=True)
_TALENT_SHOWN = Q(talent__erased_at__isnull=True)


class ConsentFilter(RegisterFilter):
    searched = (
        Searched("talent__legal_name", _TALENT_SHOWN),
        Searched("talent__professional_name", _TALENT_SHOWN),
        Searched("production__title"),
        Searched("grantor_name", _CONSENT_PERSONAL),
        Searched("intended_use_description", _CONSENT_PERSONAL),
        Searched("prohibited_uses_note", _CONSENT_PERSONAL),
        # Not the compensation or residual terms: a producer who may not read them would learn
        # them by searching.
        Searched("reason", _CONSENT_PERSONAL),
    )
    status = django_filters.ChoiceFilter(
        choices=RECORD_STATES, method=_record_state, empty_label="Any", label="Status"
    )
    use = django_filters.ChoiceFilter(
        choices=_choices(vocab.GENERATION_USES),
        method=json_has("permitted_uses"),
        empty_label="Any",
        label="Permitted use",
    )
    medium = django_filters.ChoiceFilter(
        choices=_MEDIA, method=json_has("media"), empty_label="Any", label="Medium"
    )
    territory = django_filters.ChoiceFilter(
        choices=TERRITORY_CHOICES, method=_territory, empty_label="Any", label="Territory"
    )
    ends_before = django_filters.DateFilter(field_name="term_end", lookup_expr="lt", label="Ends before")
    flagged = django_filters.ChoiceFilter(
        choices=FLAGGED, method="is_flagged", empty_label="Either", label="Guild flag"
    )
    sort = _ordering(_NAME, ("talent__legal_name", "performer", "Performer"), _PRODUCTION, _ENDS)


class GuildConsentFilter(RegisterFilter):
    """The guild representative's list: search, production, status and flagged."""

    searched = ConsentFilter.searched
    status = ConsentFilter.base_filters["status"]
    flagged = ConsentFilter.base_filters["flagged"]
    sort = ConsentFilter.base_filters["sort"]


class ReservationFilter(RegisterFilter):
    production_path = "production_id|asset__production_id"
    searched = (
        Searched("note"),
        Searched("reason"),
        Searched("asset__title"),
        Searched("party__name"),
        Searched("production__title"),
        Searched("talent__legal_name", _TALENT_SHOWN),
        Searched("talent__professional_name", _TALENT_SHOWN),
    )
    status = django_filters.ChoiceFilter(
        choices=RECORD_STATES[:1] + RECORD_STATES[2:], empty_label="Any", label="Status"
    )
    use = django_filters.ChoiceFilter(
        choices=_choices(vocab.RESERVATION_USES),
        method=json_has("uses"),
        empty_label="Any",
        label="Reserved use",
    )
    sort = _ordering(_NAME, ("effective_date", "since", "In force since"))


class AssetFilter(RegisterFilter):
    searched = (
        Searched("title"),
        Searched("original_filename"),
        Searched("owner__name"),
        Searched("production__title"),
        Searched("talent__legal_name", _TALENT_SHOWN),
        Searched("talent__professional_name", _TALENT_SHOWN),
    )
    kind = django_filters.ChoiceFilter(choices=_choices(vocab.ASSET_KINDS), empty_label="Any", label="Kind")
    sort = _ordering(_NAME, ("title", "title", "Title"), ("owner__name", "owner", "Owner"), _PRODUCTION)


class RequestFilter(RegisterFilter):
    searched = (
        Searched("prompt"),
        Searched("shot__code"),
        Searched("production__title"),
        Searched("engine"),
        Searched("requester__username"),
    )
    status = django_filters.ChoiceFilter(
        choices=_choices(REQUEST_STATUSES), empty_label="Any", label="Status"
    )
    use = django_filters.ChoiceFilter(
        field_name="intended_use",
        choices=_choices(vocab.GENERATION_USES),
        empty_label="Any",
        label="Intended use",
    )
    medium = django_filters.ChoiceFilter(
        choices=_MEDIA, method=json_has("media"), empty_label="Any", label="Medium"
    )
    territory = django_filters.ChoiceFilter(
        choices=TERRITORY_CHOICES, method=_territory, empty_label="Any", label="Territory"
    )
    ends_before = django_filters.DateFilter(
        field_name="release_end", lookup_expr="lt", label="Release ends before"
    )
    sort = _ordering(
        _NAME, ("shot__code", "shot", "Shot"), ("release_end", "ends", "Release ends"), _PRODUCTION
    )


def _shot_state(qs, name, value):
    return qs.filter(removed=value == "removed") if value else qs


class ShotFilter(RegisterFilter):
    searched = (
        Searched("code"),
        Searched("sequence"),
        Searched("description"),
        Searched("reel"),
        Searched("production__title"),
    )
    status = django_filters.ChoiceFilter(
        choices=SHOT_STATES, method=_shot_state, empty_label="Any", label="Status"
    )
    sort = _ordering(_NAME, ("code", "code", "Shot code"), ("sequence", "sequence", "Sequence"), _PRODUCTION)
