// maksa console: the idle countdown, the login and set signing with the
// user's key file in the browser (WebCrypto; the key never leaves it),
// and a payment's live history (Server-Sent Events).
"use strict";

const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const csrf = () => document.body.dataset.csrf || "";

// importKey reads a PEM key file as a WebCrypto signing key: Ed25519,
// ECDSA P-256 or RSA-PSS, whichever the key is, as PKCS#8 ("PRIVATE
// KEY"), or as openssl's older forms, which maksa sign reads too: SEC1
// ("EC PRIVATE KEY", after an "EC PARAMETERS" block when openssl ecparam
// made it) and PKCS#1 ("RSA PRIVATE KEY"), both wrapped in PKCS#8 here.
async function importKey(file) {
  const pem = await file.text();
  const block = /-----BEGIN ((?:EC |RSA )?PRIVATE KEY)-----([^-]*)-----END \1-----/.exec(pem);
  if (!block) throw new Error("the key file holds no PEM private key");
  let der = unb64(block[2].replace(/\s+/g, ""));
  if (block[1] === "EC PRIVATE KEY") der = pkcs8(ecP256, der);
  if (block[1] === "RSA PRIVATE KEY") der = pkcs8(rsaEncryption, der);
  const tries = [
    { name: "Ed25519" },
    { name: "ECDSA", namedCurve: "P-256" },
    { name: "RSA-PSS", hash: "SHA-256" },
  ];
  for (const alg of tries) {
    try {
      return await crypto.subtle.importKey("pkcs8", der, alg, false, ["sign"]);
    } catch (e) { /* the next kind */ }
  }
  throw new Error("the key file is not an Ed25519, ECDSA P-256 or RSA private key");
}

// The DER AlgorithmIdentifiers of PKCS#8 for a SEC1 key on P-256 (id-ecPublicKey,
// prime256v1) and a PKCS#1 RSA key (rsaEncryption, NULL).
const ecP256 = [0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const rsaEncryption = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];

// pkcs8 wraps a SEC1 or PKCS#1 key in a PKCS#8 PrivateKeyInfo: version 0,
// the algorithm, the key as an OCTET STRING.
function pkcs8(algorithm, key) {
  const tlv = (tag, body) => {
    const n = body.length;
    const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
    return [tag, ...len, ...body];
  };
  return new Uint8Array(tlv(0x30, [0x02, 0x01, 0x00, ...algorithm, ...tlv(0x04, [...key])]));
}

// sign signs data as maksa expects of a browser: ECDSA and RSA-PSS over
// SHA-256 (WebCrypto hashes), Ed25519 over the data itself.
async function sign(key, data) {
  const alg = key.algorithm.name === "ECDSA" ? { name: "ECDSA", hash: "SHA-256" }
    : key.algorithm.name === "RSA-PSS" ? { name: "RSA-PSS", saltLength: 32 } : { name: "Ed25519" };
  return crypto.subtle.sign(alg, key, data);
}

async function postJSON(url, body) {
  const r = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(body),
  });
  let answer = {};
  try { answer = await r.json(); } catch (e) { answer = { error: r.statusText }; }
  if (!r.ok) throw new Error(answer.error || r.statusText);
  return answer;
}

// labels gives each table cell its column's name, which a phone's narrow
// layout shows before the value (the header row is hidden there).
function labels(root) {
  root.querySelectorAll("table").forEach((table) => {
    const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    table.querySelectorAll("tbody tr").forEach((tr) => {
      [...tr.children].forEach((td, i) => { if (names[i]) td.dataset.label = names[i]; });
    });
  });
}

function countdown() {
  const out = document.getElementById("countdown");
  if (!out) return;
  const idle = parseInt(document.body.dataset.idle, 10);
  const end = Date.now() + idle * 1000;
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    out.textContent = left;
    // Past the timeout (and a margin for the clocks), the page asks the
    // server again, which sends it to the login page.
    if (Date.now() > end + 2000) location.assign("/ui/login?expired=1");
    else setTimeout(tick, 1000);
  };
  tick();
}

function login() {
  const form = document.getElementById("login");
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const err = document.getElementById("login-error");
    err.textContent = "";
    try {
      const user = document.getElementById("user").value.trim();
      const key = await importKey(document.getElementById("keyfile").files[0]);
      const { challenge } = await postJSON("/ui/login/challenge", { user });
      const sig = await sign(key, new TextEncoder().encode(challenge));
      const { next } = await postJSON("/ui/login", { user, challenge, signature: b64(sig) });
      location.assign(next);
    } catch (e) {
      err.textContent = e.message;
    }
  });
}

function queue() {
  const form = document.getElementById("queue");
  if (!form) return;
  const boxes = () => [...form.querySelectorAll('input[name="ids"]')];
  const all = document.getElementById("all");
  all.addEventListener("change", () => boxes().forEach((b) => { b.checked = all.checked; }));
  // Unticking one payment leaves "all": the rest are what is ticked.
  boxes().forEach((b) => b.addEventListener("change", () => { if (!b.checked) all.checked = false; }));
  document.getElementById("sign").addEventListener("click", async () => {
    const result = document.getElementById("sign-result");
    const err = document.getElementById("sign-error");
    result.textContent = err.textContent = "";
    const whole = all.checked;
    const ids = boxes().filter((b) => b.checked).map((b) => parseInt(b.value, 10));
    try {
      if (!whole && ids.length === 0) throw new Error(document.getElementById("sign").dataset.none || "—");
      const file = document.getElementById("signkey").files[0];
      if (!file) throw new Error(document.querySelector('label[for="signkey"]').textContent);
      const key = await importKey(file);
      // "All" is the whole queue of the account shown, however much of it
      // the page lists; the server names each payment in the set's list.
      const set = await postJSON("/ui/sign/prepare", whole ? { all: true, account: form.dataset.account } : { ids });
      const confirmed = document.getElementById("confirmvop").checked;
      if (set.confirm && set.confirm.length && !confirmed) {
        const box = document.getElementById("confirmlist");
        const ul = box.querySelector("ul");
        ul.replaceChildren(...set.confirm.map((c) => {
          const li = document.createElement("li");
          li.textContent = `${c.payment_id} ${c.creditor}: ${c.vop.result}${c.vop.name ? " «" + c.vop.name + "»" : ""}`;
          return li;
        }));
        const more = box.querySelector(".more");
        more.textContent = set.confirm_count > set.confirm.length ? more.dataset.text.replace("%d", set.confirm_count) : "";
        box.hidden = false;
        document.getElementById("confirmvop").focus();
        return;
      }
      const data = key.algorithm.name === "Ed25519" ? unb64(set.digest) : unb64(set.message);
      const sig = await sign(key, data);
      const answer = await postJSON("/ui/sign", { list: set.list, signature: b64(sig), confirm_vop: confirmed });
      result.textContent = answer.message;
      if (answer.refused && answer.refused.length) {
        err.textContent = answer.refused.map((r) => `${r.payment_id}: ${r.code} ${r.message}`).join("; ");
      } else {
        setTimeout(() => location.reload(), 2000); // time to read the result first
      }
    } catch (e) {
      err.textContent = e.message;
    }
  });
}

function live() {
  const section = document.getElementById("payment");
  if (!section || !window.EventSource) return;
  const events = new EventSource(section.dataset.events);
  events.addEventListener("change", async () => {
    const r = await fetch(location.pathname, { credentials: "same-origin" });
    if (!r.ok) return;
    const doc = new DOMParser().parseFromString(await r.text(), "text/html");
    const fresh = doc.getElementById("payment");
    if (fresh) {
      section.replaceChildren(...fresh.childNodes);
      labels(section);
    }
  });
  events.addEventListener("ended", () => events.close());
}

function statements() {
  const form = document.getElementById("statement");
  if (!form) return;
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const url = `${form.dataset.action}${encodeURIComponent(f.get("account"))}/${encodeURIComponent(f.get("format"))}` +
      `?from=${encodeURIComponent(f.get("from"))}&to=${encodeURIComponent(f.get("to"))}`;
    location.assign(url);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  labels(document);
  countdown();
  login();
  queue();
  live();
  statements();
});
