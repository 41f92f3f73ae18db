"""Offline proof files (C2SP tlog-proof) and `rightsledger-verify proof`, end to end.

Published vector: the example proof of C2SP tlog-proof.md (its layout; its signatures are elided
there, so only the parse is checked against it). Keys are made here; the proofs are read from
C2SP tiles with tiles.TileReader, as a served ledger will make them.
"""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rightsledger.tlog import cosignature as cs
from rightsledger.tlog import merkle as m
from rightsledger.tlog import proof as pf
from rightsledger.tlog import tiles
from rightsledger.tlog.entry import Entry
from rightsledger.tlog.note import NoteError, SignatureError, checkpoint_text, sign, verifier_key
from rightsledger.tlog.policy import QuorumError
from rightsledger.tlog.verify import main

ORIGIN = "rightsledger.example/ledger"
SPEC_EXAMPLE = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
"""


def test_the_spec_example_parses():
    p = pf.parse_proof_file(SPEC_EXAMPLE.encode())
    assert p.index == 73894 and len(p.proof) == 5
    assert p.proof[0] == base64.b64decode("gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=")
    assert p.extra == base64.b64decode("YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ")
    assert p.checkpoint.startswith("example.com/fancylog\n109482\n")
    assert pf.ProofFile(p.index, p.proof, p.checkpoint, p.extra).encode() == SPEC_EXAMPLE.encode()


class Ledger:
    """A small ledger: entries, C2SP tiles, a checkpoint signed by the log and cosigned by witnesses."""

    def __init__(self, size=300, witnesses=("guild-a.example/w", "guild-b.example/w")):
        self.log_key = Ed25519PrivateKey.generate()
        self.vkey = verifier_key(ORIGIN, self.log_key)
        self.entries = [
            Entry(
                i + 1, "consent.granted", "user:7", "2026-12-03T17:00:00.000000Z", {"consent": i, "note": "é"}
            ).encode()
            for i in range(size)
        ]
        leaves = [m.hash_leaf(e) for e in self.entries]
        self.served = {t.path: d for t, d in tiles.build_tiles(leaves).items()}
        note = sign(checkpoint_text(ORIGIN, size, m.root(leaves)), ORIGIN, self.log_key)
        self.witness_keys = {}
        for i, name in enumerate(witnesses):
            key = Ed25519PrivateKey.generate()
            self.witness_keys[name] = key
            note = cs.add_signatures(note, cs.cosign(note, name, key, 1_760_000_000 + i))
        self.note = note
        self.policy = (
            "".join(
                f"witness W{i} {cs.cosigner_vkey(n, k)}\n"
                for i, (n, k) in enumerate(self.witness_keys.items())
            )
            + "group all-guilds all "
            + " ".join(f"W{i}" for i in range(len(witnesses)))
            + "\nquorum all-guilds\n"
        )

    def proof_file(self, index, with_entry=True):
        proof = tiles.TileReader(self.served.__getitem__, len(self.entries)).inclusion_proof(index)
        return pf.make_proof_file(index, proof, self.note, self.entries[index] if with_entry else None)


@pytest.fixture(scope="module")
def ledger():
    return Ledger()


def test_a_proof_file_verifies_offline(ledger):
    for index in (0, 255, 256, 299):
        got = pf.verify_proof_file(ledger.proof_file(index), ledger.vkey, ledger.policy)
        assert got.index == index and got.entry == ledger.entries[index]
        assert set(got.witnessed.cosigned) == {"W0", "W1"}
    data = ledger.proof_file(7, with_entry=False)
    assert pf.verify_proof_file(data, ledger.vkey, ledger.policy, entry_bytes=ledger.entries[7]).index == 7
    with pytest.raises(pf.ProofFileError, match="carries no entry"):
        pf.verify_proof_file(data, ledger.vkey, ledger.policy)
    with pytest.raises(m.ProofError):
        pf.verify_proof_file(data, ledger.vkey, ledger.policy, entry_bytes=ledger.entries[8])
    with pytest.raises(m.ProofError, match="not the entry the proof file carries"):
        pf.verify_proof_file(ledger.proof_file(7), ledger.vkey, ledger.policy, entry_bytes=ledger.entries[8])


def test_a_proof_file_fails_without_its_quorum_or_its_log(ledger):
    data = ledger.proof_file(3)
    stranger = cs.cosigner_vkey("stranger.example/w", Ed25519PrivateKey.generate())
    with pytest.raises(QuorumError, match="cosigned by no witness"):
        pf.verify_proof_file(data, ledger.vkey, f"witness S {stranger}\nquorum S\n")
    other_log = verifier_key(ORIGIN, Ed25519PrivateKey.generate())
    with pytest.raises(SignatureError):
        pf.verify_proof_file(data, other_log, ledger.policy)


@pytest.mark.parametrize(
    "data,message",
    [
        (b"c2sp.org/tlog-proof@v2\nindex 1\n\nx", "first line"),
        (b"c2sp.org/tlog-proof@v1\nindex 01\n\nx", "leading zeroes"),
        (b"c2sp.org/tlog-proof@v1\nindex -1\n\nx", "leading zeroes"),
        (b"c2sp.org/tlog-proof@v1\nindex 1 \n\nx", "leading zeroes"),
        (b"c2sp.org/tlog-proof@v1\nindex \xd9\xa1\n\nx", "leading zeroes"),
        (b"c2sp.org/tlog-proof@v1\nextra QQ==\n\nx", "no index"),
        (b"c2sp.org/tlog-proof@v1\nextra \nindex 1\n\nx", "extra line is empty"),
        (b"c2sp.org/tlog-proof@v1\nextra QR==\nindex 1\n\nx", "canonical"),
        (b"c2sp.org/tlog-proof@v1\nindex 1\n" + base64.b64encode(b"\0" * 31) + b"\n\nx", "31 bytes"),
        (
            b"c2sp.org/tlog-proof@v1\nindex 1\n"
            + b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" * 64
            + b"\nx",
            "at most 63",
        ),
        (b"c2sp.org/tlog-proof@v1\nindex 1\n", "no blank line"),
        (b"c2sp.org/tlog-proof@v1\nindex 1\n\n\xff", "UTF-8"),
        (b"c2sp.org/tlog-proof@v1\nindex 1\n\n" + b"x" * 300_000, "at most"),
    ],
)
def test_malformed_proof_files_are_refused(data, message):
    with pytest.raises(pf.ProofFileError, match=message):
        pf.parse_proof_file(data)


def test_a_proof_file_checkpoint_that_is_not_a_note_is_refused(ledger):
    with pytest.raises(NoteError):
        pf.verify_proof_file(SPEC_EXAMPLE.encode(), ledger.vkey, "quorum none\n")


# The command, end to end.


def run(capsys, *argv):
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_the_command_verifies_a_proof_file_and_fails_after_any_changed_byte(ledger, tmp_path, capsys):
    data = ledger.proof_file(42)
    path, policy = tmp_path / "entry.tlog-proof", tmp_path / "policy"
    path.write_bytes(data)
    policy.write_text(ledger.policy)
    rc, out, err = run(capsys, "proof", str(path), "--key", ledger.vkey, "--policy", str(policy))
    assert rc == 0, err
    assert "entry seq 43 (consent.granted) is leaf 42: included in the checkpoint" in out
    assert "cosigned by witness W0 (guild-a.example/w) at 2025-10-09 08:53:20 UTC" in out
    assert "witness quorum all-guilds: met" in out
    assert out.endswith("VERIFIED\n")
    for pos in range(len(data)):
        for flip in (0x01, 0x80) if pos % 5 == 0 else (0x01,):
            bad = bytearray(data)
            bad[pos] ^= flip
            path.write_bytes(bytes(bad))
            rc, out, err = run(capsys, "proof", str(path), "--key", ledger.vkey, "--policy", str(policy))
            assert rc in (1, 2) and "VERIFIED" not in out, (
                pos,
                flip,
                bytes(bad[max(0, pos - 20) : pos + 20]),
            )
            assert err.startswith(("FAILED: ", "rightsledger-verify: bad input: ")), err


def test_the_command_with_the_entry_beside_the_proof_and_without_a_policy(ledger, tmp_path, capsys):
    path, entry = tmp_path / "p.tlog-proof", tmp_path / "entry.json"
    path.write_bytes(ledger.proof_file(9, with_entry=False))
    entry.write_bytes(ledger.entries[9])
    rc, out, err = run(capsys, "proof", str(path), "--key", ledger.vkey, "--entry", str(entry))
    assert rc == 0, err
    assert "no witness policy given (--policy): no cosignature was required" in out
    for pos in range(len(ledger.entries[9])):
        bad = bytearray(ledger.entries[9])
        bad[pos] ^= 0x01
        entry.write_bytes(bytes(bad))
        rc, out, _ = run(capsys, "proof", str(path), "--key", ledger.vkey, "--entry", str(entry))
        assert rc == 1 and "VERIFIED" not in out
    rc, _, err = run(capsys, "proof", str(tmp_path / "missing"), "--key", ledger.vkey)
    assert rc == 2 and "cannot read" in err
    policy = tmp_path / "policy"
    policy.write_text("quorum nobody\n")
    rc, _, err = run(
        capsys, "proof", str(path), "--key", ledger.vkey, "--policy", str(policy), "--entry", str(entry)
    )
    assert rc == 2 and "policy line 1" in err


def test_an_entry_that_is_not_a_canonical_ledger_entry_fails(tmp_path, capsys):
    log_key = Ed25519PrivateKey.generate()
    for entry in (b'{"b":1, "a":2}', b"not json", b"[1]"):
        note = sign(checkpoint_text(ORIGIN, 1, m.hash_leaf(entry)), ORIGIN, log_key)
        path = tmp_path / "p"
        path.write_bytes(pf.make_proof_file(0, [], note, entry))
        rc, out, err = run(capsys, "proof", str(path), "--key", verifier_key(ORIGIN, log_key))
        assert rc == 1 and "entry at leaf 0 is not" in err
