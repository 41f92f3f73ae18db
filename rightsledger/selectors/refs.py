"""Records as pages and exports name them: a grant, consent or reservation version by the number it
keeps for life, and people by name and role."""

import datetime
from dataclasses import dataclass

from django.db.models import CharField, Value

from .. import vocab, words
from ..models import ConsentRecord, RightsGrant, Role, TrainingReservation


@dataclass(frozen=True)
class RecordRef:
    """A version of a grant, consent or reservation as a decision, an audit or an export names it:
    by the number it keeps for life, with what has become of it since (its chain's current
    version: amended or revoked, when, and why)."""

    kind: str
    id: int  # this version's
    number: int  # the chain's first version's id
    version: int
    current_id: int
    current_version: int
    current_action: str
    current_status: str
    changed_at: datetime.datetime | None  # when the current version was made, if not this one or a revocation
    reason: str

    @property
    def name(self) -> str:
        return f"{self.kind.capitalize()} {self.number}"

    @property
    def revoked(self) -> bool:
        return self.current_action == "revoked"

    @property
    def state(self) -> str:
        """Return what became of the record since this version, in words ("revoked on 3 December
        2026"), or "" when this version is still the current, active one."""
        if self.revoked:
            partly = "partly " if self.current_status == "active" else ""
            return f"{partly}revoked on {words.day(self.changed_at)}"
        if self.current_id != self.id:
            return f"amended on {words.day(self.changed_at)} (now version {self.current_version})"
        return ""


RECORD_MODELS = {"grant": RightsGrant, "consent": ConsentRecord, "reservation": TrainingReservation}


def record_refs(pairs) -> dict[str, RecordRef]:
    """Return the RecordRef of each (kind, id) of a grant, consent or reservation version, keyed
    "kind:id". One query (a UNION over the kinds), however many records and kinds."""
    wanted: dict[str, set[int]] = {}
    for kind, pk in pairs:
        if kind in RECORD_MODELS and pk is not None:
            wanted.setdefault(kind, set()).add(int(pk))
    if not wanted:
        return {}
    columns = ("id", "chain", "version", "action", "status", "created_at", "reason", "kind")
    # No ordering inside the union: the models' default one would put an ORDER BY in each part,
    # which SQLite (the demo's database) refuses; the versions are sorted below.
    parts = [
        RECORD_MODELS[kind]
        .objects.filter(chain__in=RECORD_MODELS[kind].objects.filter(pk__in=ids).values("chain"))
        .annotate(kind=Value(kind, output_field=CharField()))
        .order_by()
        .values_list(*columns)
        for kind, ids in wanted.items()
    ]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    by_chain: dict = {}
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        by_chain.setdefault((record["kind"], record["chain"]), []).append(record)
    out = {}
    for (kind, _), versions in by_chain.items():
        versions.sort(key=lambda r: r["version"])
        first, current = versions[0], versions[-1]
        for row in versions:
            if row["id"] not in wanted[kind]:
                continue
            # A version is marked when a later one replaced it, or when it is itself the revocation.
            changed = current["id"] != row["id"] or current["action"] == "revoked"
            out[f"{kind}:{row['id']}"] = RecordRef(
                kind=kind,
                id=row["id"],
                number=first["id"],
                version=row["version"],
                current_id=current["id"],
                current_version=current["version"],
                current_action=current["action"],
                current_status=current["status"],
                changed_at=current["created_at"] if changed else None,
                reason=current["reason"] if changed else "",
            )
    return out


def people_named(users) -> dict[int, str]:
    """Return each user as pages name them, by id: "Dana Okafor (clearance)" (their full name, or
    their username, and the first of the roles they hold now). One query, however many users."""
    users = {u.pk: u for u in users if u is not None}
    held: dict[int, str] = {}
    order = {kind: i for i, kind in enumerate(vocab.ROLES)}
    current = Role.objects.filter(user_id__in=users, status="active", replaced_by__isnull=True)
    for user_id, kind in sorted(current.values_list("user_id", "kind"), key=lambda r: order.get(r[1], 99)):
        held.setdefault(user_id, kind)
    return {pk: words.person(u.get_full_name() or u.username, held.get(pk)) for pk, u in users.items()}
