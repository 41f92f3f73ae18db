"""Seed a demo studio: productions, shots, one user per role, assets, grants, talent, consents and
reservations, all written through the services so that every one has its ledger entry."""

import datetime
import hashlib
import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token

from rightsledger import services, vocab
from rightsledger.models import Asset, Studio
from demo.pictures import clip, picture

DEMO_PASSWORD = "rightsledger-demo"
USERS = [
    ("admin", vocab.ROLE_STUDIO_ADMIN, "studio admin of Harbour Pictures"),
    ("clearance", vocab.ROLE_CLEARANCE, "clearance on The Long Night"),
    ("producer", vocab.ROLE_PRODUCER, "producer of The Long Night"),
    ("producer_b", vocab.ROLE_PRODUCER, "producer of Salt Road"),
    ("guild", vocab.ROLE_GUILD_REP, "guild representative of SAG-AFTRA"),
    ("auditor", vocab.ROLE_AUDITOR, "auditor of The Long Night"),
]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def image_upload(seed: int, name: str, size=(1280, 720)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    picture(seed, size).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


class Command(BaseCommand):
    help = "Seed a demo studio (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Where the server will listen")

    def handle(self, *args, url, **options):
        if not Studio.objects.filter(slug="harbour").exists():
            from provenance.models import SigningIdentity
            from provenance.services import identity_dev_init

            if not SigningIdentity.objects.filter(active=True).exists():
                identity, paths = identity_dev_init()
                self.stdout.write(f"Made a development signing chain (untrusted): {paths['root']}")
            with transaction.atomic():
                self.seed()
            self.stdout.write(self.style.SUCCESS("Seeded the demo studio Harbour Pictures."))
            self.run_requests()
            from rightsledger.ledger import checkpoints

            checkpoint = checkpoints.ledger_publish()
            if checkpoint:
                self.stdout.write(f"\nLedger checkpoint (signed note), served at /ledger/checkpoint:\n{checkpoint.note}")
        else:
            self.stdout.write("The demo studio is already seeded.")
        self.print_logins(url)

    def seed(self):
        User = get_user_model()
        root = User.objects.create_superuser("root", password=DEMO_PASSWORD)
        studio = services.studio_create(actor=root, name="Harbour Pictures", slug="harbour")
        night = services.production_create(actor=root, studio=studio, title="The Long Night", code="long-night")
        salt = services.production_create(actor=root, studio=studio, title="Salt Road", code="salt-road")
        guild = services.guild_create(actor=root, name="SAG-AFTRA", abbreviation="SAG-AFTRA")
        equity = services.guild_create(actor=root, name="Equity", abbreviation="Equity")

        scope = {"studio_admin": {"studio": studio}, "clearance": {"production": night}, "producer": {"production": night},
                 "producer_b": {"production": salt}, "guild": {"guild": guild}, "auditor": {"production": night}}
        users = {}
        for username, kind, _ in USERS:
            user = User.objects.create_user(username, password=DEMO_PASSWORD)
            services.role_grant(actor=root, user=user, kind=kind, **scope["studio_admin" if kind == vocab.ROLE_STUDIO_ADMIN else username])
            users[username] = user
        clearance = users["clearance"]

        shots = [services.shot_create(actor=clearance, production=night, code=f"EP102_SH{n:04d}", sequence="EP102") for n in (10, 20, 30, 40)]
        services.shot_create(actor=users["admin"], production=salt, code="SR_010_0010", sequence="SR010")

        stock = services.party_create(actor=clearance, studio=studio, name="Northlight Stock Ltd", kind="rights_holder")
        vendor = services.party_create(actor=clearance, studio=studio, name="Blue Harbour VFX", kind="vendor")
        crowd = services.party_create(actor=clearance, studio=studio, name="Crowdworks Extras Agency", kind="agency")
        services.party_create(actor=clearance, studio=studio, name="Estate of Harold Finch", kind="estate")

        plate, _ = services.asset_register(actor=clearance, production=night, upload=image_upload(1, "EP102_SH0040_plate_v003.png"), kind="plate", owner=vendor, title="Harbour rooftop plate")
        skyline, _ = services.asset_register(actor=clearance, production=night, upload=image_upload(2, "harbour_skyline_stock.png"), kind="still", owner=stock, title="Harbour skyline (stock)")
        concept, _ = services.asset_register(actor=clearance, production=night, upload=image_upload(3, "lighthouse_concept.png"), kind="concept_art", owner=vendor, title="Lighthouse concept")
        extras, _ = services.asset_register(actor=clearance, production=night, upload=image_upload(4, "crowd_element_A.png", (640, 640)), kind="crowd_element", owner=crowd, title="Crowd element A")
        moving, _ = services.asset_register(actor=clearance, production=night, upload=SimpleUploadedFile("EP102_SH0020_plate_v001.mp4", clip(1, (960, 540), frames=36, fps=24, pan=6)),
                                            kind="plate", owner=vendor, title="Harbour rooftop moving plate")
        salt_plate, _ = services.asset_register(actor=users["admin"], production=salt, upload=image_upload(6, "salt_road_plate.png"), kind="plate", owner=vendor, title="Salt Road desert plate")

        services.grant_create(
            actor=clearance, grantor=vendor, production=night, assets=[plate, moving, concept],
            uses=["genai_input", "edit", "display", "distribution"], media=["theatrical", "svod", "trailer_promo"],
            territories=["WORLD"], territory_exclusions=[], languages=[], term_start=datetime.date(2026, 1, 1),
            term_end=datetime.date(2036, 12, 31), exclusivity="exclusive", restrictions="", requires_review=False,
            contract_sha256=sha("Blue Harbour VFX work-for-hire 2026-003"),
        )
        grant = services.grant_create(
            actor=clearance, grantor=stock, production=night, assets=[skyline],
            uses=["genai_input", "edit", "distribution"], media=["theatrical", "svod"],
            territories=["WORLD"], territory_exclusions=["CN"], languages=[], term_start=datetime.date(2026, 1, 1),
            term_end=datetime.date(2028, 12, 31), exclusivity="non_exclusive",
            restrictions="No use in political advertising.", requires_review=True,
            contract_sha256=sha("Northlight stock licence NL-2026-014"),
        )
        services.grant_amend(actor=clearance, grant=grant, changes={"territory_exclusions": []}, reason="Amendment 1 of 2026-03-02 adds China")
        services.grant_create(
            actor=clearance, grantor=crowd, production=night, assets=[extras],
            uses=["edit", "display", "distribution"], media=["theatrical"], territories=["US", "CA", "GB"],
            # Ends soon, so the clearance start page has a term to renew.
            territory_exclusions=[], languages=["en"], term_start=datetime.date(2026, 1, 1), term_end=datetime.date.today() + datetime.timedelta(days=20),
            exclusivity="non_exclusive", restrictions="", requires_review=False, contract_sha256=sha("Crowdworks booking CW-88"),
        )
        services.grant_create(
            actor=users["admin"], grantor=vendor, production=salt, assets=[salt_plate],
            uses=["genai_input", "edit", "distribution"], media=["svod"], territories=["WORLD"], territory_exclusions=[],
            languages=[], term_start=datetime.date(2026, 1, 1), term_end=None, exclusivity="exclusive", restrictions="",
            requires_review=False, contract_sha256=sha("Salt Road vendor agreement"),
        )

        mara = services.talent_create(actor=clearance, legal_name="María Álvarez", professional_name="Mara Vega", aliases=["M. Vega"], external_ids={"isni": "0000000121032683"}, memberships=[{"guild": guild.pk, "member_id": "SAG-100234"}])
        reference, _ = services.asset_register(actor=clearance, production=night, upload=image_upload(5, "mara_vega_reference.png", (512, 512)), kind="likeness_reference", talent=mara, title="Mara Vega likeness reference")
        agency = services.party_create(actor=clearance, studio=studio, name="Vega Likeness LLC", kind="performer_company")
        services.grant_create(
            actor=clearance, grantor=agency, production=night, assets=[reference], uses=["genai_input", "digital_replica"],
            media=["theatrical", "svod"], territories=["WORLD"], territory_exclusions=[], languages=[], term_start=datetime.date(2026, 1, 1),
            term_end=datetime.date(2028, 12, 31), exclusivity="non_exclusive", restrictions="", requires_review=False,
            contract_sha256=sha("Vega Likeness LLC licence 2026-01"),
        )
        jon = services.talent_create(actor=clearance, legal_name="Jonathan Brandt", professional_name="Jon Brandt", memberships=[{"guild": equity.pk, "member_id": "EQ-55120"}])
        finch = services.talent_create(actor=clearance, legal_name="Harold Finch", is_deceased=True, memberships=[{"guild": guild.pk, "member_id": "SAG-004411"}])

        common = dict(media=["theatrical", "svod"], territories=["WORLD"], territory_exclusions=[], languages=[],
                      term_start=datetime.date(2026, 1, 1), term_end=datetime.date(2028, 12, 31))
        consent = services.consent_create(
            actor=clearance, talent=mara, production=night, grantor_role="performer", representation="counsel",
            replica_type="employment_based", modalities=["face", "body", "voice"],
            intended_use_description="Digital replica of Mara Vega's face and body for the rooftop chase in episode 102 "
            "(shots EP102_SH0010 to EP102_SH0040), completing stunt footage shot with a double.",
            permitted_uses=["likeness", "stunt_double"], prohibited_uses=["de_aging"], permitted_shots=[s.code for s in shots],
            training_permission="none", compensation_reference="SAG-2026-PAY-0042", evidence_sha256=sha("Mara Vega consent form"),
            scan_notice_date=datetime.date(2025, 12, 1), union_notified_date=datetime.date(2025, 12, 2), **common,
        )
        consent = services.consent_revoke(actor=clearance, consent=consent, reason="Performer withdrew voice consent, letter of 2026-04-02", scope={"modalities": ["voice"]})
        consent = services.consent_amend(actor=clearance, consent=consent, changes={"permitted_uses": ["likeness", "stunt_double", "atmosphere"]},
                                         reason="Rider 2 of 2026-04-20: the rain sequence of episode 102")
        services.consent_flag(actor=users["guild"], consent=consent, guild=guild, reason="Rider 2 widens the use to atmosphere shots; the union was not notified of the rider.")
        services.consent_create(
            actor=clearance, talent=jon, production=night, grantor_role="performer", representation="collective_agreement",
            replica_type="background", modalities=["body", "motion"],
            intended_use_description="Background replica of Jon Brandt duplicated in the harbour crowd of episode 102, sequence EP102, never featured.",
            permitted_uses=["crowd_fill"], evidence_sha256=sha("Jon Brandt background consent"), **common,
        )
        services.consent_create(
            actor=clearance, talent=finch, production=night, grantor_role="estate_representative", grantor_name="Finch Estate, by Julia Finch",
            representation="counsel", replica_type="independently_created", modalities=["face", "voice"],
            intended_use_description="Archive-based replica of Harold Finch's face and voice for the flashback in episode 102, scene 14, one line of dialogue.",
            permitted_uses=["likeness"], prohibited_uses=["de_aging", "dubbing"], evidence_sha256=sha("Finch estate agreement"),
            union_notified_date=datetime.date(2026, 2, 1), **common,
        )

        services.reservation_create(actor=clearance, studio=studio, subject_type="production", production=night, uses=list(vocab.RESERVATION_USES), source="contract", effective_date=datetime.date(2026, 1, 1), note="Studio default: every AI use of the production's material is reserved.")
        services.reservation_create(actor=clearance, studio=studio, subject_type="talent", talent=mara, uses=list(vocab.RESERVATION_USES), source="talent_request", effective_date=datetime.date(2026, 1, 15))
        services.reservation_create(actor=clearance, studio=studio, subject_type="party", party=stock, uses=["ai_training", "ai_generative_training"], source="tdmrep", effective_date=datetime.date(2025, 6, 1), note="Northlight publishes tdm-reservation: 1")
        for user in users.values():
            Token.objects.get_or_create(user=user)

    def run_requests(self):
        """Three generation requests on the seeded data: one approved and run, one refused, one
        waiting for a clearance sign-off."""
        from generation import services as gen

        User = get_user_model()
        producer = User.objects.get(username="producer")
        night = Studio.objects.get(slug="harbour").productions.get(code="long-night")
        shot = night.shots.get(code="EP102_SH0040")
        plate = night.assets.get(title="Harbour rooftop plate")
        extras = night.assets.get(title="Crowd element A")
        window = dict(release_start=datetime.date(2026, 9, 1), release_end=datetime.date(2031, 8, 31))

        approved = gen.request_submit(
            actor=producer, production=night, shot=shot, engine="set_extension", parameters={"target_aspect": 2.39}, seed=2026,
            prompt="extend the harbour rooftop to scope", intended_use="set_extension", media=["theatrical", "svod"],
            territories=["WORLD"], inputs=[{"asset": plate, "role": "plate"}], **window,
        )
        if approved.status == "approved":
            gen.request_queue(actor=producer, request=approved)
            approved.refresh_from_db()
        refused = gen.request_submit(
            actor=producer, production=night, shot=shot, engine="crowd_fill", parameters={"count": 40}, seed=7,
            prompt="fill the quay with onlookers, Mara Vega among them", intended_use="crowd_fill", media=["theatrical"],
            territories=["US", "GB"], inputs=[{"asset": plate, "role": "plate"}, {"asset": extras, "role": "element"}], **window,
        )
        # A likeness in an atmosphere shot: the consent covers it, and a clearance user must sign off.
        reference = night.assets.get(kind="likeness_reference")
        needs_sign_off = gen.request_submit(
            actor=producer, production=night, shot=night.shots.get(code="EP102_SH0030"), engine="atmosphere", parameters={"fog_density": 0.5},
            seed=31, prompt="rain on the rooftop, Mara Vega looking out", intended_use="atmosphere", media=["theatrical"], territories=["US", "GB"],
            inputs=[{"asset": plate, "role": "plate"}, {"asset": reference, "role": "likeness", "modality": "face"}],
            release_start=datetime.date(2026, 9, 1), release_end=datetime.date(2027, 8, 31),
        )
        # A clip: rain over the moving plate, frames 0 to 35, signed as an MP4.
        moving = night.assets.get(title="Harbour rooftop moving plate")
        clip_request = gen.request_submit(
            actor=producer, production=night, shot=night.shots.get(code="EP102_SH0020"), engine="atmosphere",
            parameters={"fog_density": 0.35, "rain": 0.5}, seed=2020, prompt="light rain over the moving rooftop plate", intended_use="atmosphere",
            media=["theatrical", "svod"], territories=["WORLD"], inputs=[{"asset": moving, "role": "plate", "frames": [0, 35]}], **window,
        )
        if clip_request.status == "approved":
            gen.request_queue(actor=producer, request=clip_request)
            clip_request.refresh_from_db()
        for req in (approved, clip_request, refused, needs_sign_off):
            decision = req.decisions.filter(kind="gate").latest("id")
            self.stdout.write("")
            self.stdout.write(f"Generation request {req.pk} ({req.engine} for {req.shot.code}): {decision.outcome.upper()}, now {req.status}")
            for r in decision.reasons:
                self.stdout.write(f"  [{r['rule']} {r['outcome']}] {r['message']}")
                if r["outcome"] != "pass" and r["remedy"]:
                    self.stdout.write(f"      to pass: {r['remedy']}")
            output = getattr(req, "output", None)
            if output is not None:
                a = output.asset
                from provenance import selectors as prov

                with a.file.open("rb") as fh:
                    state = prov.verify(fh.read(), a.media_type)["validation_state"]
                timing = f", {a.frame_count} frames at {a.frame_rate:g} fps" if a.frame_count else ""
                self.stdout.write(f"  output: asset A-{a.pk}, {a.width}x{a.height}{timing} {a.media_type}, sha256 {a.sha256[:16]}..., "
                                  f"Content Credentials {state}, download: /api/assets/{a.pk}/content/")

    def print_logins(self, url):
        w = self.stdout.write
        w("")
        w(f"Rightsledger demo, the portal: {url}/  (log in as any user below; each lands on their own start page)")
        w(f"  Verify a file (no login): {url}/verify/")
        w(f"  API docs (Swagger UI): {url}/api/docs/")
        w(f"  Admin:                 {url}/admin/   (root / {DEMO_PASSWORD})")
        w("")
        w(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        User = get_user_model()
        for username, _, what in USERS:
            user = User.objects.filter(username=username).first()
            token = Token.objects.filter(user=user).first() if user else None
            w(f"  {username:<11} {what:<38} API token: {token.key if token else '-'}")
        w("")
        tokens = dict(Token.objects.filter(user__username__in=["producer", "producer_b", "guild"]).values_list("user__username", "key"))
        salt_plate = Asset.objects.filter(production__code="salt-road", kind="plate").order_by("id").first()
        if len(tokens) == 3 and salt_plate is not None:
            w("Try (the ids are this database's):")
            w("  # The Long Night's producer lists their production's assets:")
            w(f"  curl -H 'Authorization: Token {tokens['producer']}' {url}/api/assets/")
            w(f"  # ...and cannot see Salt Road's plate (asset {salt_plate.pk}): 404, as if it did not exist")
            w(f"  curl -H 'Authorization: Token {tokens['producer']}' {url}/api/assets/{salt_plate.pk}/")
            w("  # Salt Road's producer can: 200")
            w(f"  curl -H 'Authorization: Token {tokens['producer_b']}' {url}/api/assets/{salt_plate.pk}/")
            w("  # The SAG-AFTRA representative sees their members' consent records, and nothing else")
            w(f"  curl -H 'Authorization: Token {tokens['guild']}' {url}/api/consents/")
        w("")
        self.print_ledger_check(url)

    def print_ledger_check(self, url):
        """The command that verifies the demo's ledger over HTTP with a tool that is not ours."""
        from rightsledger.ledger import checkpoints

        if checkpoints.latest_checkpoint() is None:
            return
        w = self.stdout.write
        w("Check the ledger with your own tools (C2SP tlog-tiles; aics-tlog needs Python >= 3.12):")
        w("  pip install aics-tlog==0.2.1")
        vkey = checkpoints.signing_key().verifier_key
        w(f"  aics-tlog verify-checkpoint --tiles {url}/ledger/ --log-key '{vkey}'")
        w("")
