"""The portal's words for codes, lists, dates, places and people: template filters over
rightsledger.words, the module the CSV and PDF exports call too. `{% load words %}`, then
`{{ grant.uses|labels }}`, `{{ grant.media|labels:"media" }}`, `{{ r.created_at|moment }}`."""

from django import template

from portal.recordwords import scope_text
from rightsledger import words

register = template.Library()


# rightsledger.words' own functions, as filters of the same names: `{{ grant.uses|labels:"grant_uses" }}`,
# `{{ r.created_at|moment }}`, `{{ g.term_start|term:g.term_end }}`.
for _name in (
    "label",
    "phrase",
    "labels",
    "prose",
    "yes_no",
    "territories",
    "where",
    "territory",
    "languages",
    "day",
    "moment",
    "term",
    "training_mining",
    "reword",
    "article",
):
    register.filter(_name, getattr(words, _name))


@register.filter
def phrases(codes, vocabulary=None):
    """A list of codes as prose of their sentence forms."""
    return words.labels(codes, vocabulary, sentence=True)


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
def scope(value):
    """A partial revocation's scope in words: {"modalities": ["voice"]} -> "Voice"."""
    return scope_text(value or {}, capital=False)
