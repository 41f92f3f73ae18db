// Verify a ledger entry in the browser, trusting nothing the server says about it: fetch the
// entry's bytes, its inclusion proof, the checkpoint and the verifier key; compute the leaf hash
// (RFC 9162: SHA-256(0x00 || entry)), walk the proof to the root, compare it with the
// checkpoint's, and check the checkpoint's Ed25519 signature (C2SP signed note) with WebCrypto.
"use strict";

const enc = new TextEncoder();

function b64(text) { return Uint8Array.from(atob(text), (c) => c.charCodeAt(0)); }
function hex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""); }
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
function equal(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }
async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
const leafHash = (entry) => sha256(concat(new Uint8Array([0]), entry));
const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));

// RFC 9162 section 2.1.3.2.
async function rootFromInclusion(index, size, leaf, proof) {
  if (index >= size) throw new Error("the leaf index is outside the tree");
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error("the proof is longer than the tree allows");
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error("the proof is shorter than the tree needs");
  return r;
}

async function openCheckpoint(note, verifierKey) {
  const [name, keyIdHex, ...rest] = verifierKey.trim().split("+");
  const keyB64 = rest.join("+");  // base64 may hold "+" itself
  const raw = b64(keyB64);
  if (raw.length !== 33 || raw[0] !== 1) throw new Error("the verifier key is not an Ed25519 key");
  const pub = raw.slice(1);
  const kid = (await sha256(concat(enc.encode(name + "\n"), raw))).slice(0, 4);
  if (hex(kid) !== keyIdHex) throw new Error("the verifier key's id does not match its name and key");
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0) throw new Error("the checkpoint is not a signed note");
  const text = note.slice(0, cut + 1);
  for (const line of note.slice(cut + 2).split("\n").filter(Boolean)) {
    const [dash, signer, sigB64] = line.split(" ");
    const sig = b64(sigB64);
    if (dash !== "\u2014" || signer !== name || !equal(sig.slice(0, 4), kid)) continue;
    const key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(4), enc.encode(text)))) {
      throw new Error("the checkpoint's signature does not verify: it was altered or forged");
    }
    const [origin, size, root] = text.split("\n");
    return { origin, size: Number(size), root: b64(root), signer: name };
  }
  throw new Error("the checkpoint carries no signature by " + name);
}

async function fetchOk(url, as) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) {
    let message = `${url} answered ${response.status}`;
    try { message = (await response.json()).errors[0].message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return as === "bytes" ? new Uint8Array(await response.arrayBuffer()) : as === "json" ? response.json() : response.text();
}

async function verifyEntry(seq) {
  const [entry, proof, key] = await Promise.all([
    fetchOk(`/api/ledger/entries/${seq}/bytes/`, "bytes"),
    fetchOk(`/api/ledger/proofs/inclusion/?seq=${seq}`, "json"),
    fetchOk("/ledger/verifier-key", "text"),
  ]);
  const note = proof.checkpoint || (await fetchOk(`/ledger/checkpoint/${proof.tree_size}`, "text"));
  const checkpoint = await openCheckpoint(note, key);
  if (checkpoint.size !== proof.tree_size) throw new Error("the proof is for another tree size than the checkpoint");
  const leaf = await leafHash(entry);
  const root = await rootFromInclusion(proof.leaf_index, proof.tree_size, leaf, proof.proof.map(b64));
  if (!equal(root, checkpoint.root)) throw new Error("the entry's bytes and its proof do not lead to the checkpoint's root: the entry was altered");
  return { seq, leaf: hex(leaf), size: checkpoint.size, signer: checkpoint.signer, origin: checkpoint.origin };
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-verify-seq]")) {
    button.addEventListener("click", async () => {
      const out = document.getElementById(button.getAttribute("aria-controls"));
      out.textContent = "Verifying…";
      out.className = "badge info";
      try {
        const ok = await verifyEntry(Number(button.dataset.verifySeq));
        out.textContent = `Verified: entry #${ok.seq} (leaf ${ok.leaf.slice(0, 16)}…) is in the ledger ${ok.origin} of ${ok.size} entries, signed by ${ok.signer}.`;
        out.className = "badge ok";
      } catch (error) {
        out.textContent = `Not verified: ${error.message}`;
        out.className = "badge bad";
      }
    });
  }
});
