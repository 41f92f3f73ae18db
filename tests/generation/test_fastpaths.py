"""The gate's fast paths stay in step with their slow twins (generation/fastpaths.py lists the
pairs): inputs checked by hand are what InputIn gives, and every fact's field is read from the
record's column of the same name."""

import dataclasses
import random

from django.db import connection

from generation import fastpaths
from generation import policy as p
from generation.api import serializers as s
from generation.facts import COMPOSITE, COMPUTED, hints, source_columns
from generation.models import INPUT_ROLES
from rightsledger import vocab
from rightsledger.models import ConsentRecord, RightsGrant, TrainingReservation
from rightsledger.selectors import RESERVATIONS_IN_FORCE_VIEW

VALUES = {
    "asset": [None, 12, 1, 0, -3, 2**40, "12", " 7", "x", 1.0, 2.5, True, False, [], {}],
    "upload": [None, "file", "", 3, [], True],
    "role": ["plate", "likeness", "", None, 7, "x" * 17, ["plate"]],
    "modality": ["", "face", "body", None, 3, "x" * 17, []],
    "frames": [
        None,
        [0, 3],
        [3, 0],
        [0],
        [0, 1, 2],
        [0, True],
        [-1, 2],
        [0, 2**31],
        ["0", "3"],
        [0.0, 3],
        "0-3",
        {},
    ],
}


def test_inputs_checked_by_hand_are_what_input_in_gives():
    """Where both accept an input, they give the same values. Where they differ, only as known:
    the hand check takes a role or modality of any length (the service then refuses any not in its
    vocabulary), an empty modality (the default) and a blank upload (the service then asks for an
    asset or an upload); it refuses an asset id as a float or as padded text, and frame numbers as
    floats, as text or from 2^31, which InputIn takes."""
    rng = random.Random(2027)
    agreed = 0
    for _ in range(3000):
        item = {name: rng.choice(options) for name, options in VALUES.items() if rng.random() < 0.7}
        if rng.random() < 0.03:
            item["unknown"] = 1
        serializer = s.InputIn(data=item)
        valid = serializer.is_valid()
        try:
            by_hand = fastpaths.plain_inputs([item])
        except fastpaths.InputsRefused:
            by_hand = None
        if valid and by_hand is not None:
            agreed += 1
            assert by_hand == [dict(serializer.validated_data)], item
        elif by_hand is not None:
            codes = {(name, e.code) for name, errors in serializer.errors.items() for e in errors}
            known = {
                ("role", "max_length"),
                ("modality", "max_length"),
                ("modality", "null"),
                ("upload", "blank"),
            }
            if not item.get("modality"):  # any empty value is taken as no modality
                known.add(("modality", "invalid"))
            assert codes <= known, (item, serializer.errors)
            # Too long for InputIn is too long for the vocabulary: the service refuses it.
            assert ("role", "max_length") not in codes or by_hand[0]["role"] not in INPUT_ROLES, item
            assert ("modality", "max_length") not in codes or by_hand[0][
                "modality"
            ] not in vocab.MODALITIES, item
        elif valid:
            asset, frames = item.get("asset"), item.get("frames") or ()
            odd_asset = isinstance(asset, float) or (isinstance(asset, str) and asset != asset.strip())
            assert odd_asset or any(isinstance(n, (float, str)) or n >= 2**31 for n in frames), item
    assert agreed > 30  # the draws reach inputs both accept


def test_every_fact_field_is_read_from_the_column_of_its_name(db):
    """The rule generation.facts relies on: the snapshot's columns are the facts' fields (or the
    columns their composite type names), on the model and in the database alike."""
    for fact, model in (
        (p.GrantFact, RightsGrant),
        (p.ConsentFact, ConsentRecord),
        (p.ReservationFact, TrainingReservation),
    ):
        columns = {f.column for f in model._meta.concrete_fields}
        assert set(source_columns(fact)) <= columns, fact
        for f in dataclasses.fields(fact):
            kind = hints(fact)[f.name]
            if f.name in COMPUTED[fact]:
                continue
            assert (set(COMPOSITE[kind][0]) if kind in COMPOSITE else {f.name}) <= columns, (fact, f.name)
    with connection.cursor() as cursor:  # the view the snapshot reads reservations from has them too
        cursor.execute(f"SELECT * FROM {RESERVATIONS_IN_FORCE_VIEW} WHERE false")  # noqa: S608  (a constant)
        view = {c.name for c in cursor.description}
    assert set(source_columns(p.ReservationFact)) <= view
