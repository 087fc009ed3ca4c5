// Checks, in the browser, that a journal entry is in a checkpoint signed by the ledger's key:
// c2sp.org/signed-note (key ID, Ed25519 signature) and RFC 9162 §2.1.3.2 (inclusion proof).
"use strict";

const utf8 = (text) => new TextEncoder().encode(text);
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const fromHex = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

async function openCheckpoint(note, verifierKey) {
  const [name, keyId, keyText] = splitKey(verifierKey.trim());
  const raw = fromBase64(keyText);
  const expectedId = (await sha256(concat(utf8(name + "\n"), raw))).slice(0, 4);
  if (raw[0] !== 1 || toHex(expectedId) !== keyId) throw new Error("the published key's ID does not match the key");
  const cut = note.lastIndexOf("\n\n");
  const text = note.slice(0, cut + 1);
  const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
  for (const line of note.slice(cut + 2).split("\n")) {
    if (!line.startsWith("\u2014 " + name + " ")) continue;
    const blob = fromBase64(line.slice(name.length + 3));
    if (toHex(blob.slice(0, 4)) !== keyId) continue;
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, blob.slice(4), utf8(text)))) {
      throw new Error("the checkpoint's signature does not verify with the published key");
    }
    const [origin, size, root] = text.split("\n");
    return { origin, size: Number(size), root: fromBase64(root) };
  }
  throw new Error("the checkpoint carries no signature by the published key");
}

function splitKey(text) {
  const first = text.indexOf("+");
  const second = text.indexOf("+", first + 1);
  return [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
}

async function rootFromInclusion(index, size, leaf, proof) {
  // RFC 9162 §2.1.3.2
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(concat(Uint8Array.of(1), p, r));
      while (fn !== 0 && fn % 2 === 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await sha256(concat(Uint8Array.of(1), r, p));
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

async function verifyEntry(seq, say) {
  const [key, note] = await Promise.all([fetchText("/api/v1/checkpoint/key"), fetchText("/api/v1/checkpoint")]);
  const checkpoint = await openCheckpoint(note, key);
  if (seq > checkpoint.size) {
    return say(false, `The latest signed checkpoint covers entries 1 to ${checkpoint.size}; entry ${seq} is not in it yet. Try again after the next checkpoint.`);
  }
  const page = JSON.parse(await fetchText(`/api/v1/journal?after=${seq - 1}&limit=1`));
  const entry = page.entries[0];
  const proof = JSON.parse(await fetchText(`/api/v1/proof/inclusion?seq=${seq}&size=${checkpoint.size}`));
  const leaf = await sha256(concat(Uint8Array.of(0), utf8(entry.payload)));
  const root = await rootFromInclusion(seq - 1, checkpoint.size, leaf, proof.hashes.map(fromHex));
  if (root === null || !equal(root, checkpoint.root)) {
    return say(false, `Entry ${seq} is NOT in the signed checkpoint of ${checkpoint.size} entries: the proof does not lead to its root. Report this to the auditors.`);
  }
  say(true, `Proven: the ledger's key (${key.trim().split("+")[0]}) signed a checkpoint of its first ${checkpoint.size} journal entries, `
    + `and entry ${seq}, exactly as published, is entry ${seq} of that tree (${proof.hashes.length} proof hashes checked). `
    + "It cannot be changed or removed without breaking a signature anyone may have kept.");
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("verify-entry");
  const result = document.getElementById("verify-result");
  const say = (ok, text) => { result.textContent = text; result.className = ok ? "notice verified" : "error"; };
  button.addEventListener("click", () => {
    say(true, "Checking…");
    verifyEntry(Number(button.dataset.seq), say).catch((error) => say(false, `Could not verify: ${error.message}`));
  });
});
