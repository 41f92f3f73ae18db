"""A production's 2026 performer rules page: each rule with what it asks and what it refuses, whether
it is on, and who switched it last and when (read from the ledger); and the unions' labour actions
against the production, in force and past."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from rightsledger import access, vocab, words
from rightsledger import selectors as rl_selectors
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import Guild, LabourAction, LedgerEntry


@dataclass(frozen=True)
class RuleSwitch:
    """A performer rule as the page shows it."""

    code: str  # the form posts it; the page never shows it
    gate_rule: str  # "R7": the name the gate's reasons give it
    label: str
    asks: str
    refuses: str
    on: bool
    switched_by: str  # "Dana Okafor (clearance)", or "" when it was never switched
    switched_at: datetime.datetime | None


@dataclass(frozen=True)
class LabourActionRow:
    """A union's labour action against the production, in words."""

    id: int
    union: str
    started_on: datetime.date
    ended_on: datetime.date | None
    covers: str  # what it covers, as clearance wrote it
    recorded_by: str
    recorded_at: datetime.datetime | None
    ended_by: str

    @property
    def in_force(self) -> bool:
        return self.ended_on is None

    @property
    def sentence(self) -> str:
        return labour_action_sentence(self.union, self.started_on, self.ended_on)


def labour_action_sentence(union: str, started_on, ended_on) -> str:
    """Return "SAG-AFTRA's labour action, in force since 5 January 2026" (or "from ... to ...")."""
    if ended_on is None:
        return f"{union}'s labour action, in force since {words.day(started_on)}"
    return f"{union}'s labour action, from {words.day(started_on)} to {words.day(ended_on)}"


def _payload(entry: LedgerEntry) -> dict:
    body = json.loads(bytes(entry.body))
    return body.get("payload", body)


def _actor_id(entry: LedgerEntry) -> int | None:
    kind, _, pk = entry.actor.partition(":")
    return int(pk) if kind == "user" and pk.isdigit() else None


def _people(entries) -> dict[int, str]:
    ids = {pk for e in entries if (pk := _actor_id(e)) is not None}
    return rl_selectors.people_named(get_user_model().objects.filter(pk__in=ids))


def _by(people: dict[int, str], entry: LedgerEntry | None) -> str:
    if entry is None:
        return ""
    pk = _actor_id(entry)
    return people.get(pk, "the system") if pk is not None else "the system"


def performer_rules_page(user, production) -> dict:
    """Return the performer rules page's context for a production the user may read (four queries:
    the ledger entries, the people who wrote them, the labour actions, the unions)."""
    entries = list(
        LedgerEntry.objects.filter(
            production=production,
            entry_type__in=(
                EntryType.PRODUCTION_PERFORMER_RULES_SET.value,
                EntryType.LABOUR_ACTION_RECORDED.value,
                EntryType.LABOUR_ACTION_ENDED.value,
            ),
        ).order_by("seq")
    )
    people = _people(entries)
    last_switch: dict[str, LedgerEntry] = {}
    recorded: dict[int, LedgerEntry] = {}
    ended: dict[int, LedgerEntry] = {}
    for e in entries:
        payload = _payload(e)
        if e.entry_type == EntryType.PRODUCTION_PERFORMER_RULES_SET.value:
            for rule in (*payload.get("switched_on", ()), *payload.get("switched_off", ())):
                last_switch[rule] = e
        elif e.entry_type == EntryType.LABOUR_ACTION_RECORDED.value:
            recorded[payload.get("labour_action")] = e
        else:
            ended[payload.get("labour_action")] = e
    in_force = set(production.performer_rules)
    rules = [
        RuleSwitch(
            code=code,
            gate_rule=f"R{7 + i}",
            label=vocab.PERFORMER_RULE_LABELS[code],
            asks=vocab.PERFORMER_RULE_MEANINGS[code][0],
            refuses=vocab.PERFORMER_RULE_MEANINGS[code][1],
            on=code in in_force,
            switched_by=_by(people, last_switch.get(code)),
            switched_at=last_switch[code].time if code in last_switch else None,
        )
        for i, code in enumerate(vocab.PERFORMER_RULES)
    ]
    actions = [
        LabourActionRow(
            id=a.pk,
            union=a.guild.name,
            started_on=a.started_on,
            ended_on=a.ended_on,
            covers=a.note,
            recorded_by=_by(people, recorded.get(a.pk)),
            recorded_at=recorded[a.pk].time if a.pk in recorded else a.created_at,
            ended_by=_by(people, ended.get(a.pk)),
        )
        for a in LabourAction.objects.filter(production=production)
        .select_related("guild")
        .order_by("-started_on", "-id")
    ]
    may_switch = access.holds(user, production, access.CLEARANCE_ROLES)
    return {
        "production": production,
        "rules": rules,
        "rules_on": sum(r.on for r in rules),
        "in_force": [a for a in actions if a.in_force],
        "past": [a for a in actions if not a.in_force],
        "strikes_apply": "labour_action" in in_force,
        "may_switch": may_switch,
        "unions": list(Guild.objects.order_by("name").values_list("pk", "name")) if may_switch else [],
        "today": datetime.date.today(),
    }
