"""The presentation layer's words (rightsledger.words over vocab's labels), and a record's name
for life: the number of its chain's first version, through amendments and revocations."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rightsledger import selectors, services, vocab, words

from .. import factories as f


def test_every_code_of_every_vocabulary_has_a_label_without_an_underscore():
    for name, codes in vocab.VOCABULARIES.items():
        labels = vocab.VOCABULARY_LABELS[name]
        assert set(codes) == set(labels), name
        assert all("_" not in label and label for label in labels.values()), name


def test_codes_read_as_words_in_a_table_and_in_a_sentence():
    assert words.label("de_aging") == "de-ageing" and words.label("stunt_double") == "stunt double"
    assert words.label("genai_input") == "Input to AI generation"
    assert words.phrase("genai_input") == "as an input to AI generation"
    assert words.phrase("non_exclusive") == "not exclusively"
    assert words.label("none", "training_permissions") == "no AI training"
    assert words.label("none", "representation") == "without representation"
    assert words.label("needs_clearance", "outcomes") == "Needs a clearance sign-off"
    assert words.label("something_new") == "something new"  # never an underscore on a page
    assert words.options(vocab.MEDIA)[2] == ("svod", "SVOD")


def test_lists_read_as_a_person_writes_them():
    assert words.labels(["svod", "theatrical"]) == "SVOD and theatrical"
    assert words.prose(["A", "B", "C"]) == "A, B and C" and words.prose([]) == ""
    assert words.yes_no(False) == "No" and words.yes_no(True) == "Yes"


def test_places_languages_dates_and_people():
    assert words.territories(["GB", "US"]) == "the United Kingdom and the United States"
    assert words.territories(["WORLD"], ["CN"]) == "worldwide except China"
    assert words.where(["FR"]) == "in France" and words.where(["WORLD"]) == "worldwide"
    assert (
        words.languages([]) == "in every language"
        and words.languages(["en", "fr"]) == "in English and French"
    )
    assert words.moment("2026-12-03T15:46:12.666106+00:00") == "3 December 2026, 15:46 UTC"
    assert words.day(datetime.date(2026, 12, 3)) == "3 December 2026"
    assert words.term(datetime.date(2026, 12, 1), None) == "from 1 December 2026, in perpetuity"
    assert words.person("Dana Okafor", "clearance") == "Dana Okafor (clearance)"
    assert words.person("Sam", "guild_rep") == "Sam (guild representative)"


def test_a_sentence_the_gate_wrote_with_codes_is_reworded():
    said = words.reword(
        "no grant permits genai_input for svod in WORLD (grant 8); ai_training: notAllowed", {("grant", 8): 4}
    )
    assert (
        said
        == "no grant permits input to AI generation for SVOD worldwide (grant 4); AI training: not allowed"
    )
    assert words.training_mining({"ai_training": "notAllowed", "data_mining": "notAllowed"}) == [
        ("may not be used for", "AI training and data mining")
    ]


def test_a_grant_keeps_its_first_versions_number_through_amendment_and_revocation(world):
    grant = f.make_grant(world.prod_a, world.party, [f.make_asset(world.prod_a)], actor=world.clearance)
    amended = services.grant_amend(
        actor=world.clearance, grant=grant, changes={"media": ["svod"]}, reason="Rider 1"
    )
    revoked = services.grant_revoke(actor=world.clearance, grant=amended, reason="Contract terminated early.")
    assert amended.pk != grant.pk and revoked.pk != amended.pk
    assert revoked.number == amended.number == grant.number == grant.pk
    assert revoked.display_name == f"Grant {grant.pk}"
    listed = selectors.grants_for(world.clearance).filter(chain=grant.chain)
    with CaptureQueriesContext(connection) as ctx:
        assert {g.number for g in listed} == {grant.pk}
    assert len(ctx.captured_queries) == 2  # the versions, and their assets (prefetched): no query per row

    with CaptureQueriesContext(connection) as ctx:
        refs = selectors.record_refs([("grant", grant.pk), ("grant", revoked.pk), ("consent", 10**9)])
    assert len(ctx.captured_queries) == 1
    old, latest = refs[f"grant:{grant.pk}"], refs[f"grant:{revoked.pk}"]
    assert old.name == latest.name == f"Grant {grant.pk}" and old.version == 1 and latest.version == 3
    assert old.revoked and old.state.startswith("revoked on ") and old.reason == "Contract terminated early."
    # The revocation itself says when it was made: never "revoked on" with no date.
    assert latest.state == f"revoked on {words.day(revoked.created_at)}" and latest.reason == old.reason


def test_people_are_named_with_their_role_in_one_query(world):
    world.clearance.first_name, world.clearance.last_name = "Dana", "Okafor"
    with CaptureQueriesContext(connection) as ctx:
        named = selectors.people_named([world.clearance, world.guild_rep])
    assert len(ctx.captured_queries) == 1
    assert named[world.clearance.pk] == "Dana Okafor (clearance)"
    assert named[world.guild_rep.pk] == f"{world.guild_rep.username} (guild representative)"


def test_grants_and_consents_are_named_in_one_union_with_no_ordering_inside_it(world):
    """SQLite, the demo's database, refuses an ORDER BY inside a compound query: a shot's audit
    that names a grant and a consent answered 500 there."""
    grant = f.make_grant(world.prod_a, world.party, [f.make_asset(world.prod_a)], actor=world.clearance)
    consent = f.make_consent(world.prod_a, f.make_talent())
    with CaptureQueriesContext(connection) as ctx:
        refs = selectors.record_refs([("grant", grant.pk), ("consent", consent.pk)])
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"].upper()
    assert "UNION ALL" in sql and "ORDER BY" not in sql, sql
    assert refs[f"grant:{grant.pk}"].name == f"Grant {grant.pk}"
    assert refs[f"consent:{consent.pk}"].name == f"Consent {consent.pk}"
