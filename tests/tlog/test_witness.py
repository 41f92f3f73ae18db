"""The C2SP tlog-witness add-checkpoint bodies, with a witness written to the spec here.

Published vector: the example request body of C2SP tlog-witness.md (its layout; its checkpoint's
signatures are by keys the spec does not publish). The log's consistency proofs are read from
C2SP tiles, as a served ledger will make them.
"""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rightsledger.tlog import cosignature as cs
from rightsledger.tlog import merkle as m
from rightsledger.tlog import tiles
from rightsledger.tlog import witness as w
from rightsledger.tlog.note import Checkpoint, SignatureError, Verifier, checkpoint_text, open_note, sign
from rightsledger.tlog.note import verifier_key as log_vkey

SPEC_REQUEST = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurm"
    "RDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZ"
    "dXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
)
ORIGIN = "rightsledger.example/ledger"


def test_the_spec_example_request_parses_and_round_trips():
    req = w.parse_add_checkpoint(SPEC_REQUEST.encode())
    assert req.old_size == 20852014 and len(req.proof) == 4
    assert req.proof[0] == base64.b64decode("PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=")
    assert req.checkpoint.startswith("example.com/behind-the-sofa\n20852163\n")
    assert w.add_checkpoint_body(req.old_size, list(req.proof), req.checkpoint) == SPEC_REQUEST.encode()


class SpecWitness:
    """A witness as C2SP tlog-witness describes it: returns (status, body) for a request body."""

    def __init__(self, name, log_vkey_text):
        self.name, self.key = name, Ed25519PrivateKey.generate()
        self.log = Verifier.parse(log_vkey_text)
        self.size, self.root = 0, m.EMPTY_ROOT
        self.clock = 1_760_000_000

    @property
    def vkey(self):
        return cs.cosigner_vkey(self.name, self.key)

    def add_checkpoint(self, body):
        try:
            req = w.parse_add_checkpoint(body)
            cp = Checkpoint.parse(open_note(req.checkpoint, self.log))
        except SignatureError:
            return 403, b"invalid signature\n"
        except Exception:
            return 400, b"bad request\n"
        if req.old_size > cp.size:
            return 400, b"old size beyond the checkpoint\n"
        if req.old_size != self.size:
            return 409, f"{self.size}\n".encode()
        if cp.size == 0 and cp.root != m.EMPTY_ROOT or req.old_size == 0 and req.proof:
            return 422, b"bad empty tree\n"
        try:
            if req.old_size:
                m.verify_consistency(req.old_size, cp.size, self.root, cp.root, list(req.proof))
        except m.ProofError:
            return 422, b"consistency proof does not verify\n"
        self.size, self.root = cp.size, cp.root
        self.clock += 1
        return 200, cs.cosign(req.checkpoint, self.name, self.key, self.clock).encode()


def test_a_log_submits_to_a_witness_which_cosigns_and_refuses_a_fork():
    log_key = Ed25519PrivateKey.generate()
    witness = SpecWitness("guild.example/witness", log_vkey(ORIGIN, log_key))
    cosigner = cs.Cosigner.parse(witness.vkey)
    leaves = [m.hash_leaf(b"entry %d" % i) for i in range(700)]
    served = {t.path: d for t, d in tiles.build_tiles(leaves).items()}
    last = 0
    for size in (1, 5, 256, 257, 700):
        note = sign(checkpoint_text(ORIGIN, size, m.root(leaves[:size])), ORIGIN, log_key)
        proof = tiles.TileReader(served.__getitem__, size).consistency_proof(last) if last else []
        status, body = witness.add_checkpoint(w.add_checkpoint_body(last, proof, note))
        assert status == 200, body
        cosigned, stamp = w.accept_cosignatures(note, body, cosigner)
        assert cs.cosignatures(cosigned, [cosigner]) == {witness.vkey: stamp}
        last = size
    # A log that forgot what the witness saw learns it from the 409 and resends.
    more = leaves + [m.hash_leaf(b"entry 700")]
    note = sign(checkpoint_text(ORIGIN, 701, m.root(more)), ORIGIN, log_key)
    status, body = witness.add_checkpoint(w.add_checkpoint_body(0, [], note))
    assert status == 409 and w.parse_conflict(body) == 700
    served = {t.path: d for t, d in tiles.build_tiles(more).items()}
    proof = tiles.TileReader(served.__getitem__, 701).consistency_proof(700)
    assert witness.add_checkpoint(w.add_checkpoint_body(700, proof, note))[0] == 200
    # A fork: a checkpoint of the same log whose tree rewrote entry 3 is refused.
    forked = list(more) + [m.hash_leaf(b"entry 701")]
    forked[3] = m.hash_leaf(b"rewritten")
    fork_served = {t.path: d for t, d in tiles.build_tiles(forked).items()}
    note = sign(checkpoint_text(ORIGIN, 702, m.root(forked)), ORIGIN, log_key)
    proof = tiles.TileReader(fork_served.__getitem__, 702).consistency_proof(701)
    assert witness.add_checkpoint(w.add_checkpoint_body(701, proof, note)) == (
        422,
        b"consistency proof does not verify\n",
    )
    # Two checkpoints of the same size with different roots.
    note = sign(checkpoint_text(ORIGIN, 701, m.root(forked[:701])), ORIGIN, log_key)
    assert witness.add_checkpoint(w.add_checkpoint_body(701, [], note))[0] == 422
    # Another log's key: 403.
    other = sign(checkpoint_text(ORIGIN, 702, m.root(more)), ORIGIN, Ed25519PrivateKey.generate())
    assert witness.add_checkpoint(w.add_checkpoint_body(701, [], other))[0] == 403


def test_a_response_without_the_witness_cosignature_or_with_a_bad_one_is_refused():
    log_key = Ed25519PrivateKey.generate()
    note = sign(checkpoint_text(ORIGIN, 3, b"\1" * 32), ORIGIN, log_key)
    wkey = Ed25519PrivateKey.generate()
    cosigner = cs.Cosigner.parse(cs.cosigner_vkey("w.example", wkey))
    stranger = cs.cosign(note, "s.example", Ed25519PrivateKey.generate(), 5)
    with pytest.raises(w.WitnessProtocolError, match="no cosignature by w.example"):
        w.accept_cosignatures(note, stranger.encode(), cosigner)
    line = cs.cosign(note, "w.example", wkey, 5)
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[20] ^= 1
    with pytest.raises(SignatureError):
        w.accept_cosignatures(
            note, f"— w.example {base64.b64encode(bytes(raw)).decode()}\n".encode(), cosigner
        )
    for body in (b"", b"not a line\n", b"\xff\n"):
        with pytest.raises(w.WitnessProtocolError):
            w.accept_cosignatures(note, body, cosigner)
    # Lines of other keys are dropped: only the witness's own line is attached.
    got, stamp = w.accept_cosignatures(note, (stranger + line).encode(), cosigner)
    assert got == note + line and stamp == 5


@pytest.mark.parametrize(
    "body",
    [
        b"old 01\n\nx",
        b"old -1\n\nx",
        b"new 1\n\nx",
        b"old 1\nAAAA\n\nx",
        b"old 1\nAAA=A\n\nx",
        b"old 1\n" + b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" * 64 + b"\nx",
        b"old 1\n",
        b"old 1\n\n\xff",
    ],
)
def test_malformed_requests_are_refused(body):
    with pytest.raises(w.WitnessProtocolError):
        w.parse_add_checkpoint(body)


def test_the_conflict_body_and_the_request_limits():
    assert w.parse_conflict(b"0\n") == 0
    for body in (b"12", b"012\n", b"x\n", b"\n"):
        with pytest.raises(w.WitnessProtocolError):
            w.parse_conflict(body)
    note = sign(checkpoint_text(ORIGIN, 3, b"\1" * 32), ORIGIN, Ed25519PrivateKey.generate())
    with pytest.raises(w.WitnessProtocolError):
        w.add_checkpoint_body(0, [b"\0" * 32], note)
    with pytest.raises(w.WitnessProtocolError):
        w.add_checkpoint_body(1, [b"\0" * 31], note)
