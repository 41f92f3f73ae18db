"""The portal's request form as a producer fills it in, for the corpus tests."""


def request_form(shot, plate=None, **extra) -> dict:
    """Return the posted fields of a request for an atmosphere on shot, with plate ticked as its
    plate when given, and any other fields given."""
    form = {
        "shot": shot.pk,
        "engine": "atmosphere",
        "seed": "1",
        "intended_use": "atmosphere",
        "media": "theatrical",
        "territories": "US",
        "release_start": "2026-06-01",
        "release_end": "2026-12-31",
    }
    if plate is not None:
        form |= {"asset": str(plate.pk), f"role_{plate.pk}": "plate"}
    return form | extra
