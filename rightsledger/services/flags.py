"""A guild's flag as a conversation: clearance replies to it (open -> answered) and resolves it with
an outcome and why (-> resolved). Each step is a ledger entry, and the guild representative who
raised the flag is told. Raising a flag is `notices.consent_flag`."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from rightsledger.ledger.entry_types import EntryType

from .. import access
from ..errors import Conflict
from ..ledger.append import recording
from ..models import ConsentFlag, ConsentRecord, FlagReply
from ..models.notices import FLAG_OUTCOMES
from ..personal import record_commitments
from .notices import checked_text, notify

OUTCOME_WORDS = dict(FLAG_OUTCOMES)


def flag_reply(*, actor, flag: ConsentFlag, text: str) -> FlagReply:
    """Record clearance's reply to a guild's flag (the flag is then answered, until it is resolved),
    and notify the representative who raised it; return the reply."""
    text = checked_text(text, field="text", required="Write the reply the guild representative will read.")
    return _reply(actor=actor, flag=flag, text=text, outcome="")


def flag_resolve(*, actor, flag: ConsentFlag, outcome: str, text: str) -> FlagReply:
    """Resolve a guild's flag with its outcome (the consent was revoked, amended, or not changed)
    and why, and notify the representative who raised it; return the resolving reply. An outcome
    of revoked or amended must be true of the consent already."""
    if outcome not in OUTCOME_WORDS:
        raise ValidationError(
            {
                "outcome": ValidationError(
                    "Choose how the flag was resolved: the consent was revoked, amended, or not changed.",
                    code="invalid_choice",
                )
            }
        )
    text = checked_text(text, field="text", required="Say why: the guild representative reads it.")
    return _reply(actor=actor, flag=flag, text=text, outcome=outcome)


def _reply(*, actor, flag: ConsentFlag, text: str, outcome: str) -> FlagReply:
    consent = flag.consent
    access.require(actor, consent.production_id, access.CLEARANCE_ROLES, "answer guilds' flags")
    with recording(actor=actor) as rec:
        locked = ConsentFlag.objects.select_for_update().get(pk=flag.pk)
        if locked.state == "resolved":
            raise Conflict(
                f"This flag was already resolved on {locked.resolved_at:%-d %B %Y}: "
                "it takes no more replies. The guild can raise a new flag.",
                code="flag_resolved",
            )
        if outcome:
            _require_outcome_true(consent, outcome)
        reply = FlagReply.objects.create(flag=locked, author=actor, resolves=bool(outcome), text=text)
        locked.state = "resolved" if outcome else "answered"
        if outcome:
            locked.outcome, locked.resolved_at = outcome, timezone.now()
        locked.save(update_fields=["state", "outcome", "resolved_at"])
        rec.append(
            EntryType.CONSENT_FLAG_RESOLVED if outcome else EntryType.CONSENT_FLAG_ANSWERED,
            {
                "flag": locked.pk,
                "consent": consent.pk,
                "reply": reply.pk,
                **({"outcome": outcome} if outcome else {}),
                **record_commitments(reply),
            },
            record=reply,
            production=consent.production,
        )
        what = (
            f"resolved your flag on consent {consent.pk}"
            if outcome
            else f"replied to your flag on consent {consent.pk}"
        )
        notify(
            users=[locked.raised_by],
            subject=f"Clearance {what}",
            body=(f"{OUTCOME_WORDS[outcome]}.\n\n" if outcome else "") + text,
            link=f"/guild/consents/{consent.pk}/",
        )
    flag.refresh_from_db()
    return reply


def _require_outcome_true(consent: ConsentRecord, outcome: str) -> None:
    """Refuse an outcome of revoked or amended that the consent's versions do not show."""
    current = ConsentRecord.objects.filter(chain=consent.chain, replaced_by__isnull=True).first()
    if outcome == "revoked" and (current is None or current.action != "revoked"):
        raise Conflict(
            f"Consent {consent.pk} is not revoked: revoke it first, then resolve the flag as revoked.",
            code="consent_not_revoked",
            field="outcome",
        )
    if outcome == "amended" and (current is None or current.version <= consent.version):
        raise Conflict(
            f"Consent {consent.pk} has not been amended since it was flagged: amend it first, "
            "then resolve the flag as amended.",
            code="consent_not_amended",
            field="outcome",
        )
