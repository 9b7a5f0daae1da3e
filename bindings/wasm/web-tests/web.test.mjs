// The landing page in Debian's headless Chromium against the real site on
// 127.0.0.1 (built and served by the CLI: tests/src/bin/web-lab.rs), where
// Acme registered that loopback host so the page runs the host check it runs
// in the field. Every demo code gets its verdict and card; a code revoked
// after the page was built shows as revoked once the feed is reached; an
// unreachable or hostile feed leaves the page saying it could not update,
// with the verdict of its bundle. A screenshot of each card goes to
// target/web-screenshots/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repo, startLab, startBrowser, check } from './browser.mjs';

const shots = join(repo, 'target/web-screenshots');
let lab, chrome, page;
/** Every request the page made, every CSP violation, every page error. */
let requests = [];
let violations = [];
let errors = [];
/** What the page warned on the console (why a feed was not applied). */
let warnings = [];

before(async () => {
  mkdirSync(shots, { recursive: true });
  lab = await startLab();
  chrome = await startBrowser();
  page = await chrome.browser.newPage();
  await page.setViewport({ width: 360, height: 780 });
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'warn' && warnings.push(m.text()));
  await page.exposeFunction('__violation', (v) => violations.push(v));
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__violation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
});

after(async () => {
  await chrome?.close();
  await lab?.stop();
});

function fixture(file) {
  return lab.hello.fixtures.find((f) => f.file === file);
}

/** WCAG contrast of every text the card shows against what is behind it. */
async function lowestContrast() {
  return page.evaluate(() => {
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = getComputedStyle(e).backgroundColor;
        if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
      }
      return 'rgb(255, 255, 255)';
    };
    let lowest = Infinity;
    for (const el of document.querySelectorAll('#badge, #title, #explanation, #next, dt, dd, #notes li, #where')) {
      if (!el.textContent.trim()) continue;
      const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(background(el)))];
      lowest = Math.min(lowest, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
    }
    return lowest;
  });
}

test('every demo code gets its verdict and card on the page, readable at 360 px', async () => {
  await lab.control('site/same');
  for (const f of lab.hello.fixtures) {
    requests = [];
    violations = [];
    const got = await check(page, f.url);
    assert.equal(got.error, undefined, `${f.file}: ${got.error}`);
    assert.equal(got.verdict, f.verdict, f.file);
    // The same card the apps and the CLI show for this code.
    assert.equal(got.title, f.card.title, f.file);
    assert.equal(got.explanation, f.card.explanation, f.file);
    assert.equal(got.next, f.card.next_step, f.file);
    assert.deepEqual(got.details, f.card.details.map((d) => d.value), f.file);
    assert.equal(got.updated, 'yes', `${f.file}: the feed was not applied: ${got.notes}`);
    await page.screenshot({ path: join(shots, f.file), fullPage: true });
    // Readable on a small phone, and labelled.
    const layout = await page.evaluate(() => ({
      width: document.documentElement.scrollWidth,
      lang: document.documentElement.lang,
      labelled: document.getElementById(document.getElementById('verdict').getAttribute('aria-labelledby'))?.id,
      cookies: document.cookie,
    }));
    assert.ok(layout.width <= 360, `${f.file}: ${layout.width} px wide`);
    assert.equal(layout.lang, 'en');
    assert.equal(layout.labelled, 'title');
    assert.equal(layout.cookies, '');
    const contrast = await lowestContrast();
    assert.ok(contrast >= 4.5, `${f.file}: contrast ${contrast.toFixed(2)}:1`);
    // Nothing but the page's own host; nothing the policy had to block.
    const origin = new URL(f.url).origin;
    const foreign = requests.filter((u) => new URL(u).origin !== origin);
    assert.deepEqual(foreign, [], `${f.file}: third-party requests`);
    assert.deepEqual(violations, [], `${f.file}: CSP violations`);
  }
  assert.deepEqual(errors, []);
  // The look-alike card names the host the shopper is on and the registered one.
  const lookalike = await check(page, fixture('lookalike-host.png').url);
  assert.match(lookalike.where, /You are on localhost:\d+/);
  assert.ok(lookalike.where.includes(lab.hello.registered), lookalike.where);
});

test('text from the address is shown as text, and the policy blocks inline script', async () => {
  const genuine = fixture('genuine.png').url;
  // Markup a serial may hold (GS1's character set 82 has < > " / = ( ),
  // and AI 21 takes 20 characters).
  const payload = '"><svg/onload=f()>';
  const hostile = genuine.replace(/\/21\/[^?]+/, `/21/${encodeURIComponent(payload).replace(/%3D/g, '=')}`);
  violations = [];
  const got = await check(page, `${hostile}&q=${encodeURIComponent('<script>window.__pwned=1</script>')}`);
  assert.equal(got.verdict, 'forged');
  assert.ok(got.details.includes(payload), JSON.stringify(got.details));
  await page.screenshot({ path: join(shots, 'address-as-text.png'), fullPage: true });
  const probe = await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__inline = 1';
    document.body.append(script);
    return {
      pwned: typeof window.__pwned,
      inline: typeof window.__inline,
      images: document.querySelectorAll('main svg, main img, main script').length,
      policy: document.querySelector('meta[http-equiv="Content-Security-Policy"]').content,
    };
  });
  assert.deepEqual([probe.pwned, probe.inline, probe.images], ['undefined', 'undefined', 0]);
  // The report of the blocked script arrives as an event, a moment later.
  for (let i = 0; i < 50 && violations.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(violations.some((v) => v.startsWith('script-src')), violations.join('; '));
  // WebAssembly's compile is the one exception to "no eval".
  assert.match(probe.policy, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(probe.policy, /unsafe-inline|'unsafe-eval'/);
});

test('a code revoked after the page was built shows as revoked once the feed is reached', async () => {
  const f = fixture('genuine-full.png');
  await lab.control('revoke/genuine-full.png');
  const got = await check(page, f.url);
  assert.equal(got.verdict, 'revoked');
  assert.equal(got.title, 'Revoked code');
  assert.equal(got.updated, 'yes');
  await page.screenshot({ path: join(shots, 'revoked-after-build.png'), fullPage: true });
});

test('an unreachable feed leaves the verdict of the bundle, marked as not updated', async () => {
  await lab.control('site/dead');
  const got = await check(page, fixture('genuine-full.png').url);
  // Revoked on the feed, which this page cannot reach: it says so.
  assert.equal(got.verdict, 'authentic');
  assert.equal(got.updated, 'no');
  assert.equal(got.fresh, 'unknown');
  assert.match(got.notes[0], /Couldn't reach the brand's update server/);
  assert.ok(got.notes.some((n) => /Recalls not checked/.test(n)), got.notes.join(' | '));
  await page.screenshot({ path: join(shots, 'feed-unreachable.png'), fullPage: true });
});

test('a hostile feed is refused: the page says it could not update, never a verdict from its data', async () => {
  await lab.control('site/lab');
  const full = fixture('genuine-full.png').url;
  // The lab's feed as published: applied, the revocation seen.
  await lab.control('feed/good');
  let got = await check(page, full);
  assert.equal(got.verdict, 'revoked', 'the lab feed, well-behaved, is applied');
  assert.equal(got.updated, 'yes');
  const attacks = {
    'wrong-signature': /failed a safety check/,
    rollback: /failed a safety check/,
    freeze: /failed a safety check/,
    'mix-and-match': /failed a safety check/,
    endless: /Couldn't reach|failed a safety check/,
    'endless-chunk': /Couldn't reach|failed a safety check/,
    // A 500 whose body never ends: the status is the answer, the body unread.
    'endless-error': /Couldn't reach/,
    stall: /Couldn't reach/,
  };
  for (const [attack, note] of Object.entries(attacks)) {
    await lab.control(`feed/${attack}`);
    warnings = [];
    got = await check(page, full);
    assert.equal(got.error, undefined, `${attack}: ${got.error}`);
    assert.equal(got.verdict, 'authentic', `${attack}: the bundle's verdict`);
    assert.equal(got.updated, 'no', attack);
    assert.match(got.notes[0], note, `${attack}: ${got.notes[0]}`);
    // The error's status is the answer: its endless body is not read to a timeout.
    if (attack === 'endless-error') assert.ok(warnings.some((w) => /HTTP 500/.test(w)), warnings.join(' | '));
    const tampered = await check(page, fixture('tampered.png').url);
    assert.equal(tampered.verdict, 'forged', attack);
    await page.screenshot({ path: join(shots, `feed-${attack}.png`), fullPage: true });
  }
  await lab.control('site/same');
});
