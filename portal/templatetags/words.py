"""The portal's words for codes, lists, dates, places and people: template filters over
rightsledger.words, the module the CSV and PDF exports call too. `{% load words %}`, then
`{{ grant.uses|labels }}`, `{{ grant.media|labels:"media" }}`, `{{ r.created_at|moment }}`."""

from django import template

from portal.recordwords import scope_text
from rightsledger import words

register = template.Library()


@register.filter
def label(code, vocabulary=None):
    """A code's label, as a table shows it: "de_aging" -> "de-ageing"."""
    return words.label(code, vocabulary or None)


@register.filter
def phrase(code, vocabulary=None):
    """A code as it reads in a sentence: "genai_input" -> "as an input to AI generation"."""
    return words.phrase(code, vocabulary or None)


@register.filter
def labels(codes, vocabulary=None):
    """A list of codes as prose of their labels: "SVOD and theatrical"."""
    return words.labels(codes, vocabulary or None)


@register.filter
def phrases(codes, vocabulary=None):
    """A list of codes as prose of their sentence forms."""
    return words.labels(codes, vocabulary or None, sentence=True)


@register.filter
def prose(items):
    """A list joined as a person writes it: "A, B and C"."""
    return words.prose(items)


@register.filter
def yes_no(value):
    return words.yes_no(value)


@register.filter
def territories(codes, exclusions=None):
    """Territories by name, less the exclusions: "worldwide except China"."""
    return words.territories(codes, exclusions or ())


@register.filter
def where(codes, exclusions=None):
    """ "in the United Kingdom and the United States", "worldwide except China"."""
    return words.where(codes, exclusions or ())


@register.filter
def territory(code):
    return words.territory(code)


@register.filter
def languages(codes):
    """ "in English and French", or "in every language"."""
    return words.languages(codes)


@register.filter
def day(value):
    """ "3 December 2026"."""
    return words.day(value)


@register.filter
def moment(value):
    """ "3 December 2026, 15:46 UTC"."""
    return words.moment(value)


@register.filter
def term(start, end):
    """ "from 1 December 2026 to 30 November 2027"."""
    return words.term(start, end)


@register.filter
def person(user, people=None):
    """A user by name and role, "Dana Okafor (clearance)", from the page's `people`
    (rightsledger.selectors.people_named); without it, by name alone."""
    if user is None or user == "":
        return ""
    if people and user.pk in people:
        return people[user.pk]
    return user.get_full_name() or user.username


@register.filter
def ref(refs, key):
    """The RecordRef of "kind:id" in a page's `refs` (rightsledger.selectors.record_refs)."""
    return (refs or {}).get(key)


@register.filter
def training_mining(uses):
    """A training-and-data-mining assertion as [(verdict, uses)]: "may not be used for" "AI training"."""
    return words.training_mining(uses)


@register.filter
def scope(value):
    """A partial revocation's scope in words: {"modalities": ["voice"]} -> "Voice"."""
    return scope_text(value or {}, capital=False)


@register.filter
def reword(text):
    """A sentence recorded with codes in it, in words: "genai_input" -> "input to AI generation"."""
    return words.reword(text)


@register.filter
def article(text):
    """ "an employment-based replica"."""
    return words.article(text)
