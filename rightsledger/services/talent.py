"""Performers: registering one, with their guild memberships, and indexing every name a prompt
could use for them (rightsledger.names). A name the prompt check could not match as written is
refused."""

import unicodedata

from rightsledger.ledger.entry_types import EntryType

from ..errors import Errors
from ..ledger.append import recording
from ..models import Guild, GuildMembership, Talent, TalentName
from ..names import INVISIBLE, MAX_NAME_WORDS, name_forms, normalize, words_of
from ..personal import commitment, new_salt, record_commitments


def talent_create(
    *,
    actor,
    legal_name: str,
    professional_name: str = "",
    aliases: list[str] | None = None,
    is_deceased: bool = False,
    is_minor: bool = False,
    external_ids: dict | None = None,
    memberships: list[dict] | None = None,
) -> Talent:
    """Register a performer. The ledger entry names no one: it holds ids and memberships only."""
    errors = Errors()
    if not (legal_name or "").strip():
        errors.add("legal_name", "required", "Give the performer's legal name.")
    if is_deceased and is_minor:
        errors.add(
            "is_minor", "deceased_minor", "A performer cannot be recorded as both deceased and a minor."
        )
    aliases = [a.strip() for a in (aliases or []) if a and a.strip()]
    _require_matchable_names(
        errors,
        legal_name=(legal_name or "").strip(),
        professional_name=(professional_name or "").strip(),
        aliases=aliases,
    )
    external_ids = external_ids or {}
    if not isinstance(external_ids, dict) or not all(isinstance(x, str) for x in external_ids.values()):
        errors.add(
            "external_ids",
            "invalid",
            'Give external ids as an object of strings, such as {"isni": "0000000121032683"}.',
        )
    isni = (external_ids or {}).get("isni") if isinstance(external_ids, dict) else None
    digits = isni.replace(" ", "")[:15] if isinstance(isni, str) else ""  # ASCII: isdigit() alone passes "²"
    if isni and not (len(isni.replace(" ", "")) == 16 and digits.isascii() and digits.isdigit()):
        errors.add(
            "external_ids", "isni_invalid", "An ISNI is 16 characters: 15 digits and a check character."
        )
    rows = []
    for i, m in enumerate(memberships or []):
        guild = Guild.objects.filter(pk=m.get("guild")).first()
        member_id = str(m.get("member_id") or "").strip()
        if guild is None:
            errors.add(
                "memberships", "guild_unknown", f"Membership {i + 1}: no guild with id {m.get('guild')!r}."
            )
        elif any(g == guild for g, _ in rows):  # one membership a guild (guild_talent_unique)
            errors.add(
                "memberships",
                "guild_repeated",
                f"Membership {i + 1}: {guild} is given twice; a performer is a member of a guild once.",
            )
        elif not member_id:
            errors.add(
                "memberships", "member_id_required", f"Membership {i + 1}: give the member id in {guild}."
            )
        elif GuildMembership.objects.filter(guild=guild, member_id=member_id).exists():
            errors.add(
                "memberships", "member_id_taken", f"Member id {member_id} is already registered in {guild}."
            )
        else:
            rows.append((guild, member_id))
    errors.raise_if_any()
    with recording(actor=actor) as rec:
        talent = Talent.objects.create(
            legal_name=legal_name.strip(),
            professional_name=(professional_name or "").strip(),
            aliases=aliases,
            is_deceased=is_deceased,
            is_minor=is_minor,
            external_ids=external_ids,
            personal_salt=new_salt(),
        )
        for guild, member_id in rows:
            GuildMembership.objects.create(talent=talent, guild=guild, member_id=member_id)
        _index_names(talent)
        rec.append(
            EntryType.TALENT_REGISTERED,
            {
                "talent": talent.pk,
                "is_deceased": is_deceased,
                "is_minor": is_minor,
                # A member id identifies a person: the entry commits to it (rightsledger.personal).
                "memberships": [
                    {"guild": g.pk, "member_id": commitment(talent.personal_salt, f"member_id:{g.pk}", mid)}
                    for g, mid in rows
                ],
                **record_commitments(talent),
            },
            record=talent,
        )
    return talent


_NAME_FIELDS = {
    "legal_name": "The legal name",
    "professional_name": "The professional name",
    "aliases": "Alias",
}


def _require_matchable_names(errors: Errors, **names) -> None:
    """Add an error for each field whose name a prompt could not be matched against as written: one
    with invisible or control characters, one with no letters or digits, one of more than
    MAX_NAME_WORDS words, one too long for the index of names in its matching form."""
    limit = TalentName._meta.get_field("normalized").max_length
    for field, given in names.items():
        for n, name in enumerate(given if isinstance(given, list) else [given], start=1):
            if not isinstance(name, str) or not name:
                continue
            label = _NAME_FIELDS.get(field, field) + (f" {n}" if isinstance(given, list) else "")
            form = normalize(name)
            if hidden := INVISIBLE.search(name):
                char = hidden.group()
                errors.add(
                    field,
                    "name_invisible_characters",
                    f"{label} contains an invisible or control character (U+{ord(char):04X} "
                    f"{unicodedata.name(char, 'unnamed')}); a prompt could name the performer without "
                    "it. Type the name again without it.",
                )
            elif not form:
                errors.add(
                    field,
                    "name_unmatchable",
                    f"{label} has no letters or digits that a prompt could be matched against. "
                    "Give the name in letters.",
                )
            elif words_of(form) > MAX_NAME_WORDS:
                errors.add(
                    field,
                    "name_too_many_words",
                    f"{label} has {words_of(form)} words; a name is matched in prompts up to "
                    f"{MAX_NAME_WORDS} words. Give a shorter form of the name.",
                )
            elif any(len(f) > limit for f in (form, form.replace(" ", ""))):
                errors.add(
                    field,
                    "name_too_long",
                    f"{name[:40]!r}... is too long to be matched in prompts: written out for matching "
                    f"(look-alike letters replaced by the letters they resemble) it runs past {limit} "
                    "characters. Give a shorter name.",
                )
            else:
                continue
            break


def _index_names(talent: Talent) -> None:
    """Index every name a prompt could use for the talent: legal and professional names, and
    each registered alias as given (an alias is registered because it is used), in the forms the
    prompt check compares (rightsledger.names). Two performers may share a name: a prompt that
    uses it names both."""
    limit = TalentName._meta.get_field("normalized").max_length
    given = [talent.legal_name, talent.professional_name, *talent.aliases]
    names = {form for name in given if name for form in name_forms(name)}
    TalentName.objects.bulk_create(
        [
            TalentName(talent=talent, normalized=n, words=words_of(n))
            for n in sorted(names)
            if n and words_of(n) <= MAX_NAME_WORDS and len(n) <= limit
        ]
    )
