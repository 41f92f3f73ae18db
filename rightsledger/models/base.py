"""What every ledger-backed record shares: validators, and the salted commitments to its free text."""

from django.core.validators import RegexValidator
from django.db import models

from ..personal import new_salt

SHA256_HEX = RegexValidator(r"^[0-9a-f]{64}$", "Give a SHA-256 as 64 lowercase hexadecimal characters.")
SHOT_CODE = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_\-\.]{0,63}$",
    "A shot code is letters, digits, '_', '-' or '.', such as EP102_SH0040.",
)


class CommitsText(models.Model):
    """A record whose free text (names, titles, notes, comments, reasons, descriptions, file
    names) enters the ledger only as salted commitments (rightsledger.personal): the text stays
    in the row, where an erasure can reach it, and the salt beside it.

    A model lists its free-text fields in `personal_fields`; `personal.record_commitments` makes
    the commitments every entry about the record carries; an erasure redacts those fields
    (rightsledger.erasure). tests/rightsledger/test_erasure.py checks that every text field of
    every ledger-backed model is either listed here or a code."""

    personal_fields: tuple[str, ...] = ()

    personal_salt = models.CharField(
        max_length=64,
        blank=True,
        default=new_salt,
        help_text="Salt of the ledger's commitments to the free-text fields",
    )

    class Meta:
        abstract = True
