// The landing page: verifies the code in the address bar with the brand's
// keys, after applying the brand's feed, and shows the card. Everything from
// the URL or the network is put on the page as text (textContent), never as
// HTML; the checks themselves are all in the WebAssembly module.

import { Verifier } from '/genuine/index.js';

const el = (id) => document.getElementById(id);

function text(node, value) {
  node.textContent = value ?? '';
}

function show(checked) {
  const card = checked.card;
  const section = el('verdict');
  text(el('badge'), card.tone_label);
  el('badge').style.backgroundColor = checked.tone_rgb;
  text(el('title'), card.title);
  text(el('explanation'), card.explanation);
  text(el('next'), card.next_step);
  const details = el('details');
  details.replaceChildren();
  for (const { label, value } of card.details) {
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    text(dt, label);
    text(dd, value);
    details.append(dt, dd);
  }
  const notes = el('notes');
  notes.replaceChildren();
  const update = checked.notes.update;
  for (const note of [update, ...card.notes]) {
    if (!note) continue;
    const li = document.createElement('li');
    if (note === update) li.className = 'stale';
    text(li, note);
    notes.append(li);
  }
  text(el('where'), checked.notes.host);
  const result = checked.result;
  section.dataset.tone = card.tone;
  section.dataset.updated = checked.updated ? 'yes' : 'no';
  section.dataset.fresh = result.revocation ? result.revocation.state : checked.updated ? 'fresh' : 'stale';
  section.setAttribute('aria-busy', 'false');
  // Machines read this one: set last, once the check is complete.
  section.dataset.verdict = checked.verdict;
  performance.mark('genuine-verdict');
}

function failed(error) {
  const section = el('verdict');
  text(el('badge'), '');
  text(el('title'), "This page couldn't check the code");
  text(el('explanation'), 'Something went wrong in this browser, so the code was not checked: this says nothing about the product.');
  text(el('next'), "Try again, or scan the code with the brand's app.");
  el('details').replaceChildren();
  el('notes').replaceChildren();
  section.setAttribute('aria-busy', 'false');
  section.dataset.error = String(error && error.message ? error.message : error).slice(0, 200);
}

async function main() {
  const got = (path, as) =>
    fetch(path, { credentials: 'same-origin' }).then((r) => {
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
      return r[as]();
    });
  const [site, anchor, bundle] = await Promise.all([
    got('/genuine/site.json', 'json'),
    got('/genuine/anchor.txt', 'text'),
    got('/genuine/trust.bundle', 'arrayBuffer'),
  ]);
  const verifier = await Verifier.open(anchor, new Uint8Array(bundle));
  const synced = await verifier.sync(new URL(site.feed, location.href).href, { timeoutMs: site.feed_timeout_ms });
  if (!synced.ok) console.warn('genuine: the feed was not applied:', synced.problem, synced.detail);
  show(verifier.verify(location.href));
}

main().catch(failed);
