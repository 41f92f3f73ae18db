"""Factories for setup. Records that carry ledger entries are made through their services, so
every fixture is recorded exactly as production records are."""

import datetime
import hashlib

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from rightsledger import services
from rightsledger.models import Production, Studio

from . import images


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    # Tests authenticate with tokens; an unusable password skips the deliberately slow hashing.
    password = "!"


class StudioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Studio

    name = factory.Sequence(lambda n: f"Studio {n}")
    slug = factory.Sequence(lambda n: f"studio-{n}")

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.studio_create(actor=None, **kwargs)


class ProductionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Production

    studio = factory.SubFactory(StudioFactory)
    title = factory.Sequence(lambda n: f"Production {n}")
    code = factory.Sequence(lambda n: f"prod-{n}")

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.production_create(actor=None, **kwargs)


def make_shot(production, code="EP102_SH0040", sequence="EP102"):
    return services.shot_create(actor=None, production=production, code=code, sequence=sequence)


def make_party(studio, name="Northlight Stock Ltd", kind="rights_holder"):
    return services.party_create(actor=None, studio=studio, name=name, kind=kind)


def make_asset(production, seed=0, kind="plate", owner=None, fmt="png", talent=None, data=None):
    data = data or (images.png(seed) if fmt == "png" else images.jpeg(seed))
    upload = SimpleUploadedFile(f"plate_{seed}.{fmt}", data, content_type=f"image/{fmt}")
    asset, _ = services.asset_register(
        actor=None, production=production, upload=upload, kind=kind, owner=owner, talent=talent
    )
    return asset


def make_guild(name="SAG-AFTRA", abbreviation="SAG-AFTRA"):
    return services.guild_create(actor=None, name=name, abbreviation=abbreviation)


def make_talent(legal_name="Maria Alvarez", guild=None, member_id=None, **kwargs):
    memberships = [{"guild": guild.pk, "member_id": member_id or f"M-{legal_name[:3]}"}] if guild else []
    return services.talent_create(actor=None, legal_name=legal_name, memberships=memberships, **kwargs)


def grant_fields(production, grantor, assets, **overrides):
    fields = dict(
        grantor=grantor,
        production=production,
        assets=assets,
        uses=["genai_input", "edit", "distribution"],
        media=["theatrical", "svod"],
        territories=["WORLD"],
        territory_exclusions=[],
        languages=[],
        term_start=datetime.date(2026, 1, 1),
        term_end=datetime.date(2030, 12, 31),
        exclusivity="non_exclusive",
        restrictions="",
        requires_review=False,
        contract_sha256=sha("contract"),
    )
    fields.update(overrides)
    return fields


def make_grant(production, grantor, assets, actor=None, **overrides):
    return services.grant_create(actor=actor, **grant_fields(production, grantor, assets, **overrides))


USE_DESCRIPTION = (
    "Digital replica of the performer's face for the rooftop chase in episode 102, "
    "shots EP102_SH0040 to EP102_SH0060, to complete stunt footage."
)


def consent_fields(production, talent, **overrides):
    fields = dict(
        talent=talent,
        production=production,
        grantor_role="performer",
        grantor_name="",
        representation="counsel",
        replica_type="employment_based",
        modalities=["face", "body"],
        intended_use_description=USE_DESCRIPTION,
        permitted_uses=["likeness", "stunt_double"],
        prohibited_uses=["de_aging"],
        permitted_shots=[],
        media=["theatrical", "svod"],
        territories=["WORLD"],
        languages=[],
        term_start=datetime.date(2026, 1, 1),
        term_end=datetime.date(2028, 12, 31),
        training_permission="none",
        compensation_reference="PAY-2026-0042",
        evidence_sha256=sha("signed consent form"),
        scan_notice_date=datetime.date(2025, 12, 1),
        union_notified_date=datetime.date(2025, 12, 2),
    )
    fields.update(overrides)
    return fields


def make_consent(production, talent, actor=None, **overrides):
    return services.consent_create(actor=actor, **consent_fields(production, talent, **overrides))


def plate_request_maker(world, engine="atmosphere"):
    """Return make(plate=...), which submits through the service producer A's request for an
    atmosphere on shot EP102_SH0040 from a plate: with the plate made here, under a grant, the gate
    approves it; with another plate (one no grant covers) it refuses it."""
    from generation import services as generation_services  # generation sits on top of rightsledger

    shot = make_shot(world.prod_a, "EP102_SH0040")
    granted = make_asset(world.prod_a, seed=41)
    make_grant(world.prod_a, world.party, [granted])

    def make(plate=granted):
        return generation_services.request_submit(
            actor=world.producer_a,
            production=world.prod_a,
            shot=shot,
            engine=engine,
            seed=5,
            intended_use="atmosphere",
            media=["theatrical"],
            territories=["US"],
            release_start=datetime.date(2026, 6, 1),
            release_end=datetime.date(2026, 12, 31),
            inputs=[{"asset": plate, "role": "plate"}],
        )

    return make
