"""Witness cosignatures (C2SP tlog-cosignature) and witness policies (C2SP tlog-policy).

Published vectors:
- C2SP signed-note.md: the example.com/foo verifier key and the note it verifies.
- C2SP tlog-cosignature.md: the signed message of its example, and its example cosignature line,
  whose timestamp is that message's (1679315147).
- transparency-dev/formats, note/note_cosigv1_test.go: the native cosignature/v1 vkey of the
  remora.n621.de witness, and a cosignature whose timestamp is 1727964367.
- florolf/tlog-scales, tests/test_signing.py: a real checkpoint of the arche2025h1 staging
  Certificate Transparency log with its log signature and witness cosignatures, among them
  remora.n621.de's, and both verifier keys.
"""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rightsledger.tlog import cosignature as cs
from rightsledger.tlog.note import (
    Checkpoint,
    NoteError,
    NoteSignature,
    SignatureError,
    Verifier,
    checkpoint_text,
    open_note,
    sign,
    split_note,
    verifier_key,
)
from rightsledger.tlog.policy import Policy, PolicyError, QuorumError

ARCHE_LOG = "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
REMORA = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
ARCHE_CHECKPOINT = (
    "arche2025h1.staging.ct.transparency.dev\n"
    "1432088532\n"
    "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
    "\n"
    "— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBA"
    "MARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n"
    "— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdh"
    "j4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n"
    "— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiE"
    "gzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n"
    "— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/"
    "oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n"
    "— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxx"
    "cOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n"
    "— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfK"
    "THSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n"
)


def test_signed_note_spec_example_verifies():
    v = Verifier.parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    note = (
        "This is an example message.\n\n— example.com/foo "
        "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    )
    assert open_note(note, v) == "This is an example message.\n"
    with pytest.raises(SignatureError):
        open_note(note.replace("example message", "example massage"), v)


def test_cosignature_spec_message_and_timestamp():
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cs.cosignature_message(text, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n"
        b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )
    line = (
        "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2"
        "oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
    )
    _, [sig] = split_note(text + "\n" + line)
    assert sig.name == "witness.example.com/w1" and cs.cosignature_timestamp(sig) == 1679315147
    raw = base64.b64decode(
        "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
    )
    assert cs.cosignature_timestamp(NoteSignature("w", raw[:4], raw[4:])) == 1727964367
    with pytest.raises(NoteError):
        cs.cosignature_timestamp(NoteSignature("w", raw[:4], raw[4:-1]))


def test_a_real_checkpoint_and_its_witness_cosignature_verify():
    log, remora = Verifier.parse(ARCHE_LOG), cs.Cosigner.parse(REMORA)
    assert remora.vkey == REMORA  # the key id is derived with the cosignature algorithm byte 0x04
    assert Checkpoint.parse(open_note(ARCHE_CHECKPOINT, log)).size == 1432088532
    assert cs.cosignatures(ARCHE_CHECKPOINT, [remora]) == {REMORA: 1779573024}
    policy = Policy.parse(f"log {ARCHE_LOG}\nwitness remora {REMORA}\nquorum remora\n")
    assert policy.check(ARCHE_CHECKPOINT).cosigned == {"remora": 1779573024}
    altered = ARCHE_CHECKPOINT.replace("1432088532", "1432088533")
    with pytest.raises(SignatureError):
        cs.cosignatures(altered, [remora])
    with pytest.raises(SignatureError):
        policy.check(altered)


def test_a_vkey_of_the_wrong_type_or_id_is_refused():
    with pytest.raises(NoteError, match="type 0x01"):
        cs.Cosigner.parse(ARCHE_LOG)  # a plain note key is not a cosigner key
    with pytest.raises(NoteError):
        Verifier.parse(REMORA)
    with pytest.raises(NoteError, match="id does not match"):
        cs.Cosigner.parse(REMORA.replace("da77ade7", "da77ade8"))
    with pytest.raises(NoteError):
        cs.Cosigner.parse("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw")


ORIGIN = "rightsledger.example/ledger"


@pytest.fixture
def log():
    key = Ed25519PrivateKey.generate()
    return key, Verifier.parse(verifier_key(ORIGIN, key))


def checkpoint(log_key, size=5, root=b"\x07" * 32):
    return sign(checkpoint_text(ORIGIN, size, root), ORIGIN, log_key)


def witness(name):
    key = Ed25519PrivateKey.generate()
    return key, cs.cosigner_vkey(name, key)


def test_cosign_and_verify_with_keys_made_here(log):
    log_key, log_v = log
    note = checkpoint(log_key)
    wkey, wvkey = witness("guild.example/witness")
    line = cs.cosign(note, "guild.example/witness", wkey, 1_700_000_000)
    cosigned = cs.add_signatures(note, line)
    assert open_note(cosigned, log_v)  # the log's signature still verifies beside it
    assert cs.cosignatures(cosigned, [cs.Cosigner.parse(wvkey)]) == {wvkey: 1_700_000_000}
    # The same key as a plain note key (0x01) does not accept the cosignature: the ids differ.
    with pytest.raises(SignatureError, match="no signature"):
        open_note(
            cosigned.replace(note, note.split("\n\n")[0] + "\n\n"),
            Verifier.parse(verifier_key("guild.example/witness", wkey)),
        )
    # An unknown witness's line is ignored; a known witness's altered line is refused.
    other_key, other_vkey = witness("other.example/w")
    assert cs.cosignatures(cosigned, [cs.Cosigner.parse(other_vkey)]) == {}
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    for pos in (4, 11, 12, 75):  # timestamp and signature
        bad = bytearray(raw)
        bad[pos] ^= 1
        forged = note + f"— guild.example/witness {base64.b64encode(bytes(bad)).decode()}\n"
        with pytest.raises(SignatureError):
            cs.cosignatures(forged, [cs.Cosigner.parse(wvkey)])
    # A cosignature covers extension lines too.
    text = checkpoint_text(ORIGIN, 5, b"\x07" * 32) + "ext\n"
    line = cs.cosign(text, "guild.example/witness", wkey, 1)
    with pytest.raises(SignatureError):
        cs.cosignatures(text.replace("ext", "exu") + "\n" + line, [cs.Cosigner.parse(wvkey)])


def test_cosign_refuses_what_is_not_a_checkpoint_or_a_bad_timestamp(log):
    wkey, _ = witness("w.example")
    with pytest.raises(NoteError):
        cs.cosign("hello\n", "w.example", wkey, 1)
    with pytest.raises(NoteError):
        cs.cosign(checkpoint(log[0]), "w.example", wkey, 2**63)
    with pytest.raises(NoteError):
        cs.cosign(checkpoint(log[0]), "w example", wkey, 1)
    with pytest.raises(NoteError):
        cs.add_signatures(checkpoint(log[0]), "— w.example not-base64!\n")


@pytest.mark.parametrize(
    "note",
    [
        "a\tb\n\n— k QUFBQUFB\n",
        "a\n\n— k QUFBQUFB",  # no final newline
        "a\n\n— k QUFBQUFB\r\n",
        "a\x01\n\n— k QUFBQUFB\n",
        "a\n\n— k QUFBQUFC\n".replace("QUFBQUFC", "QUFBQUFB="),  # bad padding
        "a\n\n— k QUFBQUF=\n",  # unused bits set: not canonical base64
        "a\n\n— k+x QUFBQUFB\n",
        "a\n\n—  k QUFBQUFB\n",
        "a\n\n- k QUFBQUFB\n",
        "a\n\n— k QUFB\n",  # shorter than a key id and one byte
    ],
)
def test_malformed_notes_are_refused(note):
    with pytest.raises(NoteError):
        split_note(note)


# Policies.


def test_the_spec_example_policy_and_its_quorum(log):
    log_key, _ = log
    ws = {n: witness(f"{n.lower()}.example/w") for n in ("X1", "X2", "X3", "Y1", "Y2", "Y3")}
    text = (
        f"# example\nlog {verifier_key(ORIGIN, log_key)}\n\n"
        + "".join(
            f"witness {n} {v}{' https://' + n + '.example/' if n == 'X1' else ''}\n"
            for n, (_, v) in ws.items()
        )
        + "group X-witnesses 2 X1 X2 X3\n\tgroup  Y-witnesses any Y1 Y2 Y3\n"
        + "group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n"
    )
    policy = Policy.parse(text)
    assert policy.witness_urls == {"X1": "https://X1.example/"}
    assert policy.satisfied({"X1", "X3", "Y2"})
    assert not policy.satisfied({"X1", "Y2"})
    assert not policy.satisfied({"X1", "X2", "X3"})
    note = checkpoint(log_key)
    for n in ("X1", "Y3"):
        note = cs.add_signatures(note, cs.cosign(note, f"{n.lower()}.example/w", ws[n][0], 1_700_000_000))
    with pytest.raises(QuorumError, match="cosigned by X1, Y3: that does not meet the quorum X-and-Y"):
        policy.check(note)
    note = cs.add_signatures(note, cs.cosign(note, "x2.example/w", ws["X2"][0], 1_700_000_001))
    got = policy.check(note)
    assert got.cosigned == {"X1": 1_700_000_000, "X2": 1_700_000_001, "Y3": 1_700_000_000}
    assert got.checkpoint.size == 5 and got.log == ORIGIN
    with pytest.raises(SignatureError, match="in the future"):
        policy.check(note, now=1_600_000_000)


def test_only_space_and_tab_separate_words_in_a_policy():
    a, _ = _keys()
    # U+00A0 and U+2003 are not separators: "A\u00a0B" is one (opaque) name.
    policy = Policy.parse(f"witness A\u00a0B {a}\ngroup G\u2003x any A\u00a0B\nquorum G\u2003x\n")
    assert set(policy.witnesses) == {"A\u00a0B"} and policy.satisfied({"A\u00a0B"})
    with pytest.raises(PolicyError):
        Policy.parse(f"witness A\u00a0{a}\nquorum none\n")


def test_a_checkpoint_of_another_log_or_unsigned_is_refused(log):
    log_key, log_v = log
    other = Ed25519PrivateKey.generate()
    policy = Policy.parse("quorum none\n")
    assert policy.check(checkpoint(log_key), [log_v]).cosigned == {}
    with pytest.raises(SignatureError, match="no signature"):
        policy.check(checkpoint(other), [log_v])
    with pytest.raises(PolicyError, match="no log key"):
        policy.check(checkpoint(log_key))
    # A log key whose name is not the checkpoint's origin.
    note = sign(checkpoint_text("elsewhere.example/log", 1, b"\0" * 32), ORIGIN, log_key)
    with pytest.raises(SignatureError, match="elsewhere.example/log"):
        policy.check(note, [log_v])


def _keys():
    return witness("a.example")[1], witness("b.example")[1]


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda a, b: "witness A {a}\n", "no quorum line"),
        (lambda a, b: "witness A {a}\nquorum A\nquorum A\n", "exactly one quorum"),
        (lambda a, b: "quorum A\nwitness A {a}\n", "defined above"),
        (lambda a, b: "witness A {a}\nwitness B {a}\nquorum A\n", "same public key"),
        (lambda a, b: "witness A {a}\nwitness A {b}\nquorum A\n", "already taken"),
        (lambda a, b: "witness none {a}\nquorum none\n", "already taken"),
        (lambda a, b: "witness A {a}\nwitness B {b}\ngroup G 3 A B\nquorum G\n", "threshold"),
        (lambda a, b: "witness A {a}\nwitness B {b}\ngroup G 0 A B\nquorum G\n", "threshold"),
        (lambda a, b: "witness A {a}\nwitness B {b}\ngroup G 01 A B\nquorum G\n", "threshold"),
        (lambda a, b: "witness A {a}\ngroup G any A A\nquorum G\n", "member twice"),
        (lambda a, b: "witness A {a}\ngroup G any A none\nquorum G\n", "not a witness or group"),
        (lambda a, b: "witness A {a}\ngroup G any A H\ngroup H any A\nquorum G\n", "not a witness or group"),
        (lambda a, b: "witness A {a}\nquorum A\nmirror x\n", "unknown line"),
        (lambda a, b: "witness A {a}\x0b\nquorum A\n", "control character"),
        (lambda a, b: f"witness A {ARCHE_LOG}\nquorum A\n", "0x04"),
        (lambda a, b: f"log {REMORA}\nquorum none\n", "Ed25519"),
        (lambda a, b: "witness A\nquorum none\n", "witness <name> <vkey>"),
    ],
)
def test_malformed_policies_are_refused_with_the_line(make, message):
    a, b = _keys()
    with pytest.raises(PolicyError, match=message):
        Policy.parse(make(a, b).format(a=a, b=b))
