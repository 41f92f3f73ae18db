"""The 2026 performer rules of a production: which it applies, and the unions' labour actions
against it. Each write is the row and its ledger entry."""

import datetime

from django.db import transaction

from .. import validation as v
from .. import vocab, words
from ..errors import Conflict, Errors
from ..ledger.append import recording
from ..ledger.entry_types import EntryType
from ..models import Guild, LabourAction, Production
from ..personal import record_commitments


def production_performer_rules_set(*, actor, production: Production, rules) -> Production:
    """Switch on the performer rules named (vocab.PERFORMER_RULES) and off the others; return the
    production. Naming the rules already in force writes nothing."""
    errors = Errors()
    rules = v.listed(errors, "rules", rules, vocab.PERFORMER_RULES, required=False, what="rule")
    errors.raise_if_any()
    with transaction.atomic():
        locked = Production.objects.select_for_update().get(pk=production.pk)
        if sorted(locked.performer_rules) == rules:
            return locked
        with recording(actor=actor) as rec:
            before = sorted(locked.performer_rules)
            locked.performer_rules = rules
            locked.save(update_fields=["performer_rules"])
            rec.append(
                EntryType.PRODUCTION_PERFORMER_RULES_SET,
                {
                    "production": locked.pk,
                    "rules": rules,
                    "switched_on": sorted(set(rules) - set(before)),
                    "switched_off": sorted(set(before) - set(rules)),
                },
                record=locked,
                production=locked,
            )
    return locked


def production_performer_rule_switch(*, actor, production: Production, rule: str, on: bool) -> Production:
    """Switch one performer rule on or off, leaving the others as they are; return the production.
    Switching a rule to where it already is writes nothing."""
    if rule not in vocab.PERFORMER_RULES:
        errors = Errors()
        errors.add("rule", "unknown", "There is no such performer rule: choose one of those listed.")
        errors.raise_if_any()
    with transaction.atomic():
        # Read the rules in force under the lock, so that two switches at once both count.
        locked = Production.objects.select_for_update().get(pk=production.pk)
        rules = set(locked.performer_rules) | {rule} if on else set(locked.performer_rules) - {rule}
        return production_performer_rules_set(actor=actor, production=locked, rules=sorted(rules))


def labour_action_record(
    *, actor, production: Production, guild: Guild | None, started_on, note: str = ""
) -> LabourAction:
    """Record a union's labour action against the production, in force from started_on; refuse a
    second one of the same union while the first is in force."""
    errors = Errors()
    if guild is None:
        errors.add("guild", "required", "Choose the union whose labour action this is, from those listed.")
    if not isinstance(started_on, datetime.date):
        errors.add("started_on", "invalid", "Give the day the labour action started.")
    note = v.text(errors, "note", note)
    errors.raise_if_any()
    with transaction.atomic():
        Production.objects.select_for_update().get(pk=production.pk)  # one in force per union
        if LabourAction.objects.filter(production=production, guild=guild, ended_on__isnull=True).exists():
            raise Conflict(
                f"A labour action of {guild} against this production is already in force: record its end "
                "first.",
                code="labour_action_in_force",
                field="guild",
            )
        with recording(actor=actor) as rec:
            action = LabourAction.objects.create(
                production=production, guild=guild, started_on=started_on, note=note
            )
            rec.append(
                EntryType.LABOUR_ACTION_RECORDED,
                {
                    "labour_action": action.pk,
                    "production": production.pk,
                    "guild": guild.pk,
                    "started_on": started_on.isoformat(),
                    **record_commitments(action),
                },
                record=action,
                production=production,
            )
    return action


def labour_action_end(*, actor, action: LabourAction, ended_on) -> LabourAction:
    """Record that a labour action ended on ended_on (from that day the gate no longer refuses);
    refuse one already ended, or an end before its start."""
    errors = Errors()
    if not isinstance(ended_on, datetime.date):
        errors.add("ended_on", "invalid", "Give the day the labour action ended.")
    elif ended_on < action.started_on:
        errors.add(
            "ended_on",
            "end_before_start",
            f"The labour action started on {words.day(action.started_on)}: it cannot end before that, "
            f"on {words.day(ended_on)}.",
        )
    errors.raise_if_any()
    with transaction.atomic():
        locked = LabourAction.objects.select_for_update().get(pk=action.pk)
        if locked.ended_on is not None:
            raise Conflict(
                f"This labour action already ended, on {words.day(locked.ended_on)}.",
                code="labour_action_ended",
            )
        with recording(actor=actor) as rec:
            locked.ended_on = ended_on
            locked.save(update_fields=["ended_on"])
            rec.append(
                EntryType.LABOUR_ACTION_ENDED,
                {
                    "labour_action": locked.pk,
                    "production": locked.production_id,
                    "guild": locked.guild_id,
                    "ended_on": ended_on.isoformat(),
                },
                record=locked,
                production=locked.production,
            )
    return locked
