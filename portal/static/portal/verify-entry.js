// Verify a ledger entry in the browser, trusting nothing the server says about it. It reads what
// any C2SP tlog client reads: the checkpoint (/ledger/checkpoint), whose Ed25519 signature it
// checks against the ledger's key and whose witness cosignatures (C2SP tlog-cosignature) it checks
// against the witnesses' keys, both given by the page (#ledger-keys); the hash tiles the entry's
// inclusion proof needs (/ledger/tile/..., C2SP tlog-tiles, tile math as rightsledger/tlog/tiles.py
// does it); and the entry's own bytes (/api/ledger/entries/<seq>/bytes/). It hashes the entry
// (RFC 9162: SHA-256(0x00 || entry)), walks the proof to the root and compares it with the
// checkpoint's. The server gives no verdict.
"use strict";

const enc = new TextEncoder();
const HEIGHT = 8;
const WIDTH = 256; // hashes in a full tile
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];

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
const pow2 = (k) => 2 ** k; // sizes stay far below 2^53, where bit operators would overflow

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

// Which perfect subtrees make each element of an inclusion proof (rightsledger/tlog/merkle.py).
function split(n) { let k = 1; while (k * 2 < n) k *= 2; return k; }
function rangeNodes(start, end) {
  const nodes = [];
  while (start < end) {
    let level = 0;
    while (pow2(level + 1) <= end - start) level += 1;
    while (start % pow2(level)) level -= 1;
    nodes.push([level, start / pow2(level)]);
    start += pow2(level);
  }
  return nodes;
}
function inclusionRanges(index, start, end) {
  if (end - start <= 1) return [];
  const k = split(end - start);
  if (index - start < k) return [...inclusionRanges(index, start, start + k), [start + k, end]];
  return [...inclusionRanges(index, start + k, end), [start, start + k]];
}
async function fold(hashes) {
  let acc = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i -= 1) acc = await nodeHash(hashes[i], acc);
  return acc;
}
async function subtreeRoot(hashes) {
  let layer = hashes;
  while (layer.length > 1) {
    const next = [];
    for (let i = 0; i < layer.length; i += 2) next.push(await nodeHash(layer[i], layer[i + 1]));
    layer = next;
  }
  return layer[0];
}

// C2SP tlog-tiles: the tile of a tree of `size` leaves that holds hash `index` of a tile level,
// and its path ("tile/<L>/x001/234.p/<W>").
function tileFor(level, index, size) {
  const n = Math.floor(size / pow2(level * HEIGHT));
  const t = Math.floor(index / WIDTH);
  return { level, index: t, width: Math.min(WIDTH, n - t * WIDTH) };
}
function tilePath(tile, full) {
  const groups = [];
  let n = tile.index;
  do { groups.unshift(String(n % 1000).padStart(3, "0")); n = Math.floor(n / 1000); } while (n > 0);
  const index = groups.map((g, i) => (i < groups.length - 1 ? "x" + g : g)).join("/");
  return `tile/${tile.level}/${index}${full || tile.width === WIDTH ? "" : ".p/" + tile.width}`;
}

class Tiles {
  constructor(size) { this.size = size; this.read = new Map(); }

  // The tile's hashes, fetched once; a partial tile the server no longer keeps is read as the
  // prefix of the full one, as the spec allows.
  hashes(tile) {
    const path = tilePath(tile);
    if (!this.read.has(path)) {
      this.read.set(path, (async () => {
        let response = await fetch(`/ledger/${path}`);
        if (response.status === 404 && tile.width < WIDTH) response = await fetch(`/ledger/${tilePath(tile, true)}`);
        if (!response.ok) throw new Error(`the ledger does not serve ${path} (${response.status})`);
        const data = new Uint8Array(await response.arrayBuffer());
        if (data.length < tile.width * 32) throw new Error(`${path} is shorter than a tile of ${tile.width} hashes`);
        return Array.from({ length: tile.width }, (_, i) => data.slice(i * 32, (i + 1) * 32));
      })());
    }
    return this.read.get(path);
  }

  // The hash of the perfect subtree (level, index), from the tile that holds it.
  async node(level, index) {
    const tileLevel = Math.floor(level / HEIGHT), sub = level % HEIGHT;
    const first = index * pow2(sub);
    const tile = tileFor(tileLevel, first, this.size);
    const start = first - tile.index * WIDTH;
    return subtreeRoot((await this.hashes(tile)).slice(start, start + pow2(sub)));
  }

  // The RFC 9162 inclusion proof of leaf `index`, its tiles fetched together.
  async inclusionProof(index) {
    const parts = inclusionRanges(index, 0, this.size).map(([a, b]) => rangeNodes(a, b));
    return Promise.all(parts.map(async (part) => fold(await Promise.all(part.map(([l, i]) => this.node(l, i))))));
  }
}

// Signed notes (C2SP signed-note): a key is "<name>+<hex key id>+base64(type || public key)".
async function parseKey(vkey, type) {
  const [name, keyIdHex, ...rest] = vkey.trim().split("+");
  const raw = b64(rest.join("+")); // base64 may hold "+" itself
  if (raw.length !== 33 || raw[0] !== type) throw new Error(`the key of ${name} is not the Ed25519 key it should be`);
  const kid = (await sha256(concat(enc.encode(name + "\n"), raw))).slice(0, 4);
  if (hex(kid) !== keyIdHex) throw new Error(`the key of ${name} does not match its id`);
  const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
  return { name, kid, key };
}
function noteParts(note) {
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0) throw new Error("the checkpoint is not a signed note");
  const signatures = note.slice(cut + 2).split("\n").filter(Boolean).map((line) => {
    const [dash, name, sig] = line.split(" ");
    if (dash !== "\u2014" || !name || !sig) throw new Error("the checkpoint has a malformed signature line");
    return { name, sig: b64(sig) };
  });
  return { text: note.slice(0, cut + 1), signatures };
}

async function openCheckpoint(note, logKey) {
  const { text, signatures } = noteParts(note);
  const log = await parseKey(logKey, 1);
  const mine = signatures.filter((s) => s.name === log.name && equal(s.sig.slice(0, 4), log.kid));
  if (!mine.length) throw new Error("the checkpoint carries no signature by the ledger's key");
  for (const s of mine) {
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, log.key, s.sig.slice(4), enc.encode(text)))) {
      throw new Error("the checkpoint's signature does not verify: it was altered or forged");
    }
  }
  const [origin, size, root] = text.split("\n");
  if (!/^[1-9][0-9]*$|^0$/.test(size)) throw new Error("the checkpoint's size is not a number");
  return { text, signatures, origin, size: Number(size), root: b64(root) };
}

// C2SP tlog-cosignature: "cosignature/v1\ntime <T>\n" + the note's text, signed by the witness;
// the line carries the key id, T (big-endian uint64) and the signature. A cosignature by a known
// witness that does not verify fails the whole checkpoint, as the spec asks.
async function cosigners(checkpoint, witnesses) {
  const out = new Map(); // policy name -> POSIX time
  for (const w of witnesses) {
    const key = await parseKey(w.vkey, 4);
    for (const s of checkpoint.signatures.filter((x) => x.name === key.name && equal(x.sig.slice(0, 4), key.kid))) {
      if (s.sig.length !== 4 + 8 + 64) throw new Error(`the cosignature by ${w.label} is malformed`);
      const time = new DataView(s.sig.buffer, s.sig.byteOffset + 4, 8).getBigUint64(0);
      const message = enc.encode(`cosignature/v1\ntime ${time}\n${checkpoint.text}`);
      if (!(await crypto.subtle.verify({ name: "Ed25519" }, key.key, s.sig.slice(12), message))) {
        throw new Error(`the cosignature by ${w.label} does not verify: the checkpoint or the cosignature was altered`);
      }
      out.set(w.name, Number(time));
    }
  }
  return out;
}
function quorumMet(keys, cosigned, name = keys.quorum) {
  if (name === "none") return true;
  if (keys.witnesses.some((w) => w.name === name)) return cosigned.has(name);
  const group = keys.groups.find((g) => g.name === name);
  return !!group && group.members.filter((m) => quorumMet(keys, cosigned, m)).length >= group.threshold;
}

function when(seconds) {
  const d = new Date(seconds * 1000);
  const hm = [d.getUTCHours(), d.getUTCMinutes()].map((n) => String(n).padStart(2, "0")).join(":");
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hm} UTC`;
}
function names(list) {
  return list.length < 2 ? list.join("") : `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
}

async function fetchOk(url, as) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
  if (!response.ok) {
    let message = `${url} answered ${response.status}`;
    try { message = (await response.json()).errors[0].message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return as === "bytes" ? new Uint8Array(await response.arrayBuffer()) : response.text();
}

async function verifyEntry(seq, index, keys) {
  const [entry, note] = await Promise.all([
    fetchOk(`/api/ledger/entries/${seq}/bytes/`, "bytes"),
    fetchOk("/ledger/checkpoint", "text"),
  ]);
  const checkpoint = await openCheckpoint(note, keys.log);
  const cosigned = await cosigners(checkpoint, keys.witnesses);
  if (!Number.isInteger(index) || index >= checkpoint.size) {
    throw new Error("this record is newer than the ledger's latest checkpoint; try again in a minute");
  }
  let said;
  try { said = JSON.parse(new TextDecoder().decode(entry)).seq; } catch (e) { said = null; }
  if (said !== seq) throw new Error(`the bytes served are not those of entry #${seq}: the entry was altered`);
  const tiles = new Tiles(checkpoint.size);
  const [proof, stored] = await Promise.all([tiles.inclusionProof(index), tiles.node(0, index)]);
  const leaf = await leafHash(entry);
  if (!equal(await rootFromInclusion(index, checkpoint.size, stored, proof), checkpoint.root)) {
    throw new Error("the ledger's tiles do not lead to the root its checkpoint signs: a tile was altered");
  }
  if (!equal(leaf, stored)) {
    throw new Error("the entry's bytes are not those the ledger holds at its place: the entry was altered");
  }
  const witnesses = keys.witnesses.filter((w) => cosigned.has(w.name));
  return {
    seq, index, leaf: hex(leaf), size: checkpoint.size, origin: checkpoint.origin,
    witnesses: witnesses.map((w) => w.label),
    asOf: witnesses.length ? Math.min(...witnesses.map((w) => cosigned.get(w.name))) : null,
    quorum: quorumMet(keys, cosigned),
    policy: keys.witnesses.length > 0,
  };
}

function proven(ok) {
  const record = `This record is entry #${ok.seq} of the ledger`;
  if (!ok.witnesses.length) {
    const none = ok.policy ? "no witness has cosigned it yet" : "the ledger names no witnesses";
    return `Verified: ${record}, and the ledger's latest checkpoint (${ok.size} entries) is signed by its key; ${none}.`;
  }
  const short = ok.quorum ? "" : " That is fewer witnesses than the ledger's witness policy asks for.";
  return `Verified: ${record}, and the ledger as of ${when(ok.asOf)} was cosigned by ${names(ok.witnesses)}.${short}`;
}

document.addEventListener("DOMContentLoaded", () => {
  const given = document.getElementById("ledger-keys");
  const keys = given ? JSON.parse(given.textContent) : null;
  for (const button of document.querySelectorAll("button[data-verify-seq]")) {
    button.addEventListener("click", async () => {
      const out = document.getElementById(button.getAttribute("aria-controls"));
      out.textContent = "Checking…";
      out.className = "badge info";
      try {
        if (!keys) throw new Error("the page does not give the ledger's keys");
        const index = button.dataset.verifyIndex === "" ? NaN : Number(button.dataset.verifyIndex);
        const ok = await verifyEntry(Number(button.dataset.verifySeq), index, keys);
        out.textContent = proven(ok);
        out.title = `Leaf ${ok.index} of ${ok.size} in ${ok.origin}; leaf hash ${ok.leaf}`;
        out.className = ok.quorum ? "badge ok" : "badge warn";
      } catch (error) {
        out.textContent = `Not verified: the check failed, because ${error.message.replace(/\.$/, "")}.`;
        out.className = "badge bad";
      }
    });
  }
});
