"""Who sees what: the records of the rights domain restricted to what the user may see, and
the annotations every register and record page reads (a record's number, its current version)."""

import functools
import operator

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from .. import access, vocab
from ..models import (
    Asset,
    Document,
    LedgerEntry,
    Party,
    Production,
    RightsGrant,
    Shot,
    Studio,
    TalentName,
    TrainingReservation,
)
from ..names import normalize

# The reservations in force, defined once as a database view (see the migration that makes it):
# the current version of each reservation, while it is active. The gate's snapshot statement
# reads the same view.
RESERVATIONS_IN_FORCE_VIEW = "rightsledger_reservation_in_force"


def productions_for(user) -> QuerySet:
    """Return the productions the user may see."""
    return access.filter_by_production(Production.objects.all(), user, field_name="id")


def studios_for(user) -> QuerySet:
    """Return the studios where the user holds a role."""
    ids = access.studio_ids(user)
    return Studio.objects.all() if ids is None else Studio.objects.filter(id__in=ids)


def shots_for(user) -> QuerySet:
    """Return the shots of the productions the user may see."""
    return access.filter_by_production(Shot.objects.all(), user)


def parties_for(user) -> QuerySet:
    """Return the parties of the studios where the user holds a role."""
    ids = access.studio_ids(user)
    return Party.objects.all() if ids is None else Party.objects.filter(studio_id__in=ids)


def assets_for(user) -> QuerySet:
    """Return the assets of the productions the user may see."""
    return access.filter_by_production(Asset.objects.all(), user)


def with_number(qs: QuerySet) -> QuerySet:
    """Annotate each version with first_id, its chain's first version's id: the number the record
    is known by for life (VersionedRecord.number), in the same query."""
    first = qs.model.objects.filter(chain=OuterRef("chain")).order_by("version").values("id")[:1]
    return qs.annotate(first_id=Subquery(first))


def with_version_info(qs: QuerySet, record_type: str) -> QuerySet:
    """Annotate each version with is_current, the seq of the ledger entry that recorded it, and
    its record's number (with_number)."""
    # A LEFT JOIN on the unique replaces index: an EXISTS here is planned as a hashed subplan
    # that reads the whole table.
    return with_number(qs).annotate(
        is_current=ExpressionWrapper(Q(replaced_by__isnull=True), output_field=BooleanField()),
        ledger_seq=Subquery(
            LedgerEntry.objects.filter(record_type=record_type, record_id=OuterRef("pk")).values("seq")[:1]
        ),
    )


def grants_for(user) -> QuerySet:
    """Return every version of the grants the user may see, with version info."""
    qs = access.filter_by_production(RightsGrant.objects.all(), user).prefetch_related("assets")
    return with_version_info(qs, "grant")


def consents_for(user) -> QuerySet:
    """Return every version of the consents the user may see (their productions' or their
    guild's members'), with version info."""
    return with_version_info(access.consents_visible(user), "consent")


def record_document(record) -> Document | None:
    """Return the document a grant or consent names by its SHA-256 (its contract, its signed form),
    where it was uploaded to its production; None where it stays with the studio's legal team, and
    for a kind with no document. The caller has checked that the user may read the record: whoever
    may read it may read its document. One query."""
    field = getattr(record, "document_field", None)
    if field is None or not getattr(record, field):
        return None
    return Document.objects.filter(production_id=record.production_id, sha256=getattr(record, field)).first()


def talent_named(qs: QuerySet, value: str) -> QuerySet:
    """Return the talent of qs whose legal or professional name contains value as written, or any of
    whose names (aliases too) contains it as the prompt check compares names (rightsledger.names:
    without accents, case, invisible characters or look-alike letters)."""
    condition = Q(legal_name__icontains=value) | Q(professional_name__icontains=value)
    if form := normalize(value):
        condition |= Exists(TalentName.objects.filter(talent=OuterRef("pk"), normalized__contains=form))
    return qs.filter(condition)


def reservations_for(user) -> QuerySet:
    """Return every version of the reservations the user may see, with version info."""
    ids = access.studio_ids(user)
    qs = (
        TrainingReservation.objects.all()
        if ids is None
        else TrainingReservation.objects.filter(studio_id__in=ids)
    )
    if ids is not None:
        # A production-scoped reservation is seen only by users of that production.
        visible = access.production_ids(user)
        qs = qs.exclude(
            production__isnull=False,
            production_id__in=Production.objects.exclude(id__in=visible).values("id"),
        )
        qs = qs.exclude(
            asset__isnull=False,
            asset__production_id__in=Production.objects.exclude(id__in=visible).values("id"),
        )
    return with_version_info(qs, "reservation")


def ledger_entries_for(user) -> QuerySet:
    """Entries the user may read: those of visible productions, and for a guild representative
    the entries of the guild's members' consent records."""
    roles = access.roles_of(user)
    if roles.superuser:
        return LedgerEntry.objects.all()
    qs = LedgerEntry.objects.none()
    ids = access.production_ids(user)
    if ids:
        qs = LedgerEntry.objects.filter(production_id__in=ids)
    if roles.guilds:
        chains = access.consents_visible(user).values("chain")
        qs = qs | LedgerEntry.objects.filter(record_type="consent", chain__in=chains)
    return qs


def reservations_in_force(*, training: bool = False) -> QuerySet:
    """Return the reservations in force: the current version of each, while active. With
    training, only those that reserve a training use (vocab.TRAINING_USES)."""
    qs = TrainingReservation.objects.filter(pk__in=RawSQL(f"SELECT id FROM {RESERVATIONS_IN_FORCE_VIEW}", ()))  # nosec B608 B611: a constant
    if training:
        # The uses as JSON text, on PostgreSQL and SQLite alike.
        reserves = functools.reduce(
            operator.or_, (Q(uses_text__contains=f'"{use}"') for use in vocab.TRAINING_USES)
        )
        qs = qs.annotate(uses_text=Cast("uses", TextField())).filter(reserves)
    return qs
