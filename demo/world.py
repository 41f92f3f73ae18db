"""The demo's world: a studio, its productions and shots, one user per role, assets, grants, talent,
consents and reservations, all written through the services so that every one has its ledger entry."""

import datetime
import hashlib
import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from demo.pictures import clip, onlooker, picture, portrait
from rightsledger import services, vocab

DEMO_PASSWORD = "rightsledger-demo"
USERS = [
    ("admin", vocab.ROLE_STUDIO_ADMIN, "studio admin of Harbour Pictures"),
    ("clearance", vocab.ROLE_CLEARANCE, "clearance on The Long Night"),
    ("producer", vocab.ROLE_PRODUCER, "producer of The Long Night"),
    ("producer_b", vocab.ROLE_PRODUCER, "producer of Salt Road"),
    ("guild", vocab.ROLE_GUILD_REP, "guild representative of SAG-AFTRA"),
    ("auditor", vocab.ROLE_AUDITOR, "auditor of The Long Night"),
]


# The people behind the logins, as the portal names them ("Dana Okafor (clearance)").
NAMES = {
    "admin": ("Priya", "Raman"),
    "clearance": ("Dana", "Okafor"),
    "producer": ("Tom", "Hale"),
    "producer_b": ("Inès", "Moreau"),
    "guild": ("Sam", "Whitfield"),
    "auditor": ("Lena", "Berg"),
}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def image_upload(seed: int, name: str, size=(1280, 720)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    picture(seed, size).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def png_upload(img, name: str) -> SimpleUploadedFile:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def seed_world():
    """Write the demo's world (in the caller's transaction)."""
    User = get_user_model()
    root = User.objects.create_superuser("root", password=DEMO_PASSWORD)
    studio = services.studio_create(actor=root, name="Harbour Pictures", slug="harbour")
    night = services.production_create(actor=root, studio=studio, title="The Long Night", code="long-night")
    salt = services.production_create(actor=root, studio=studio, title="Salt Road", code="salt-road")
    guild = services.guild_create(actor=root, name="SAG-AFTRA", abbreviation="SAG-AFTRA")
    equity = services.guild_create(actor=root, name="Equity", abbreviation="Equity")

    scope = {
        "studio_admin": {"studio": studio},
        "clearance": {"production": night},
        "producer": {"production": night},
        "producer_b": {"production": salt},
        "guild": {"guild": guild},
        "auditor": {"production": night},
    }
    users = {}
    for username, kind, _ in USERS:
        first, last = NAMES[username]
        user = User.objects.create_user(username, password=DEMO_PASSWORD, first_name=first, last_name=last)
        services.role_grant(
            actor=root,
            user=user,
            kind=kind,
            **scope["studio_admin" if kind == vocab.ROLE_STUDIO_ADMIN else username],
        )
        users[username] = user
    clearance = users["clearance"]

    shots = [
        services.shot_create(actor=clearance, production=night, code=f"EP102_SH{n:04d}", sequence="EP102")
        for n in (10, 20, 30, 40)
    ]
    services.shot_create(actor=users["admin"], production=salt, code="SR_010_0010", sequence="SR010")

    stock = services.party_create(
        actor=clearance, studio=studio, name="Northlight Stock Ltd", kind="rights_holder"
    )
    vendor = services.party_create(actor=clearance, studio=studio, name="Blue Harbour VFX", kind="vendor")
    crowd = services.party_create(
        actor=clearance, studio=studio, name="Crowdworks Extras Agency", kind="agency"
    )
    services.party_create(actor=clearance, studio=studio, name="Estate of Harold Finch", kind="estate")

    def register(
        upload, kind: str, title: str, *, owner=None, talent=None, actor=clearance, production=night
    ):
        """Register one of the demo's assets (in The Long Night, by clearance, unless told) and
        return it."""
        asset, _ = services.asset_register(
            actor=actor,
            production=production,
            upload=upload,
            kind=kind,
            owner=owner,
            talent=talent,
            title=title,
        )
        return asset

    def record_grant(**fields):
        """Record a grant, by clearance in The Long Night worldwide from 1 January 2026, with no
        exclusion, language limit or restriction, unless fields say otherwise."""
        return services.grant_create(
            **{
                "actor": clearance,
                "production": night,
                "territories": ["WORLD"],
                "territory_exclusions": [],
                "languages": [],
                "term_start": datetime.date(2026, 1, 1),
                "restrictions": "",
                "requires_review": False,
                **fields,
            }
        )

    plate = register(
        image_upload(1, "EP102_SH0040_plate_v003.png"), "plate", "Harbour rooftop plate", owner=vendor
    )
    skyline = register(
        image_upload(2, "harbour_skyline_stock.png"), "still", "Harbour skyline (stock)", owner=stock
    )
    concept = register(
        image_upload(3, "lighthouse_concept.png"), "concept_art", "Lighthouse concept", owner=vendor
    )
    extras = register(
        image_upload(4, "crowd_element_A.png", (640, 640)), "crowd_element", "Crowd element A", owner=crowd
    )
    # An onlooker cut from the performer's reference portrait, her face too small to recognise
    # in the element itself: the crowd fill that enlarges it is held by the likeness check (R6).
    onlooker_b = register(
        png_upload(onlooker(), "crowd_element_B.png"), "crowd_element", "Crowd element B", owner=crowd
    )
    moving = register(
        SimpleUploadedFile("EP102_SH0020_plate_v001.mp4", clip(1, (960, 540), frames=36, fps=24, pan=6)),
        "plate",
        "Harbour rooftop moving plate",
        owner=vendor,
    )
    salt_plate = register(
        image_upload(6, "salt_road_plate.png"),
        "plate",
        "Salt Road desert plate",
        owner=vendor,
        actor=users["admin"],
        production=salt,
    )

    record_grant(
        grantor=vendor,
        assets=[plate, moving, concept],
        uses=["genai_input", "edit", "display", "distribution"],
        media=["theatrical", "svod", "trailer_promo"],
        term_end=datetime.date(2036, 12, 31),
        exclusivity="exclusive",
        contract_sha256=sha("Blue Harbour VFX work-for-hire 2026-003"),
    )
    skyline_grant = record_grant(
        grantor=stock,
        assets=[skyline],
        uses=["genai_input", "edit", "distribution"],
        media=["theatrical", "svod"],
        territory_exclusions=["CN"],
        term_end=datetime.date(2028, 12, 31),
        exclusivity="non_exclusive",
        restrictions="No use in political advertising.",
        requires_review=True,
        contract_sha256=sha("Northlight stock licence NL-2026-014"),
    )
    services.grant_amend(
        actor=clearance,
        grant=skyline_grant,
        changes={"territory_exclusions": []},
        reason="Amendment 1 of 2026-03-02 adds China",
    )
    record_grant(
        grantor=crowd,
        assets=[extras],
        uses=["edit", "display", "distribution"],
        media=["theatrical"],
        territories=["US", "CA", "GB"],
        languages=["en"],
        # Ends soon, so the clearance start page has a term to renew.
        term_end=datetime.date.today() + datetime.timedelta(days=20),
        exclusivity="non_exclusive",
        contract_sha256=sha("Crowdworks booking CW-88"),
    )
    record_grant(
        grantor=crowd,
        assets=[onlooker_b],
        uses=["genai_input", "edit", "distribution"],
        media=["theatrical"],
        term_end=datetime.date(2031, 12, 31),
        exclusivity="non_exclusive",
        contract_sha256=sha("Crowdworks booking CW-91"),
    )
    record_grant(
        actor=users["admin"],
        grantor=vendor,
        production=salt,
        assets=[salt_plate],
        uses=["genai_input", "edit", "distribution"],
        media=["svod"],
        term_end=None,
        exclusivity="exclusive",
        contract_sha256=sha("Salt Road vendor agreement"),
    )

    mara = services.talent_create(
        actor=clearance,
        legal_name="María Álvarez",
        professional_name="Mara Vega",
        aliases=["M. Vega"],
        external_ids={"isni": "0000000121032683"},
        memberships=[{"guild": guild.pk, "member_id": "SAG-100234"}],
    )
    reference = register(
        png_upload(portrait(), "mara_vega_reference.png"),
        "likeness_reference",
        "Mara Vega likeness reference",
        talent=mara,
    )
    agency = services.party_create(
        actor=clearance, studio=studio, name="Vega Likeness LLC", kind="performer_company"
    )
    record_grant(
        grantor=agency,
        assets=[reference],
        uses=["genai_input", "digital_replica"],
        media=["theatrical", "svod"],
        term_end=datetime.date(2028, 12, 31),
        exclusivity="non_exclusive",
        contract_sha256=sha("Vega Likeness LLC licence 2026-01"),
    )
    jon = services.talent_create(
        actor=clearance,
        legal_name="Jonathan Brandt",
        professional_name="Jon Brandt",
        memberships=[{"guild": equity.pk, "member_id": "EQ-55120"}],
    )
    finch = services.talent_create(
        actor=clearance,
        legal_name="Harold Finch",
        is_deceased=True,
        memberships=[{"guild": guild.pk, "member_id": "SAG-004411"}],
    )

    common = dict(
        media=["theatrical", "svod"],
        territories=["WORLD"],
        territory_exclusions=[],
        languages=[],
        term_start=datetime.date(2026, 1, 1),
        term_end=datetime.date(2028, 12, 31),
    )
    consent = services.consent_create(
        actor=clearance,
        talent=mara,
        production=night,
        grantor_role="performer",
        representation="counsel",
        replica_type="employment_based",
        modalities=["face", "body", "voice"],
        intended_use_description=(
            "Digital replica of Mara Vega's face and body for the rooftop chase in episode 102 "
            "(shots EP102_SH0010 to EP102_SH0040), completing stunt footage shot with a double."
        ),
        permitted_uses=["likeness", "stunt_double"],
        prohibited_uses=["de_aging"],
        permitted_shots=[s.code for s in shots],
        training_permission="none",
        compensation_reference="SAG-2026-PAY-0042",
        evidence_sha256=sha("Mara Vega consent form"),
        scan_notice_date=datetime.date(2025, 12, 1),
        union_notified_date=datetime.date(2025, 12, 2),
        **common,
    )
    consent = services.consent_revoke(
        actor=clearance,
        consent=consent,
        reason="Performer withdrew voice consent, letter of 2026-04-02",
        scope={"modalities": ["voice"]},
    )
    consent = services.consent_amend(
        actor=clearance,
        consent=consent,
        changes={"permitted_uses": ["likeness", "stunt_double", "atmosphere"]},
        reason="Rider 2 of 2026-04-20: the rain sequence of episode 102",
    )
    services.consent_flag(
        actor=users["guild"],
        consent=consent,
        guild=guild,
        reason="Rider 2 widens the use to atmosphere shots; the union was not notified of the rider.",
    )
    services.consent_create(
        actor=clearance,
        talent=jon,
        production=night,
        grantor_role="performer",
        representation="collective_agreement",
        replica_type="background",
        modalities=["body", "motion"],
        intended_use_description=(
            "Background replica of Jon Brandt duplicated in the harbour crowd of "
            "episode 102, sequence EP102, never featured."
        ),
        permitted_uses=["crowd_fill"],
        evidence_sha256=sha("Jon Brandt background consent"),
        **common,
    )
    services.consent_create(
        actor=clearance,
        talent=finch,
        production=night,
        grantor_role="estate_representative",
        grantor_name="Finch Estate, by Julia Finch",
        representation="counsel",
        replica_type="independently_created",
        modalities=["face", "voice"],
        intended_use_description=(
            "Archive-based replica of Harold Finch's face and voice for the "
            "flashback in episode 102, scene 14, one line of dialogue."
        ),
        permitted_uses=["likeness"],
        prohibited_uses=["de_aging", "dubbing"],
        evidence_sha256=sha("Finch estate agreement"),
        union_notified_date=datetime.date(2026, 2, 1),
        **common,
    )

    services.reservation_create(
        actor=clearance,
        studio=studio,
        subject_type="production",
        production=night,
        uses=list(vocab.RESERVATION_USES),
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
        note="Studio default: every AI use of the production's material is reserved.",
    )
    services.reservation_create(
        actor=clearance,
        studio=studio,
        subject_type="talent",
        talent=mara,
        uses=list(vocab.RESERVATION_USES),
        source="talent_request",
        effective_date=datetime.date(2026, 1, 15),
    )
    services.reservation_create(
        actor=clearance,
        studio=studio,
        subject_type="party",
        party=stock,
        uses=["ai_training", "ai_generative_training"],
        source="tdmrep",
        effective_date=datetime.date(2025, 6, 1),
        note="Northlight publishes tdm-reservation: 1",
    )
    for user in users.values():
        Token.objects.get_or_create(user=user)
