// The landing page's benchmark, one run, one table (docs/BENCHMARKS.md):
// - verify in Chromium's WebAssembly against the same demo codes verified
//   natively, through the CLI's path (SQLite) and the page's own code
//   (benches/native.rs), best of three runs of 200 rounds each;
// - the .wasm's size gzipped;
// - navigation to `data-verdict` on loopback, the feed fetched and applied
//   (the page as `genuine feed serve` serves it: nothing cached).
// Run from the repository root after building the binaries:
//   cargo build -p genuine-cli -p genuine-tests --bin genuine --bin web-lab
//   npm run bench --prefix bindings/wasm/web-tests

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { repo, startLab, startBrowser, check } from './browser.mjs';

const native = JSON.parse(
  execFileSync('cargo', ['bench', '-q', '-p', 'genuine-wasm', '--bench', 'native'], { cwd: repo, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop(),
);
const wasm = readFileSync(join(repo, 'bindings/wasm/pkg/genuine_wasm_bg.wasm'));
const gzipped = gzipSync(wasm, { level: 9 }).length;

const lab = await startLab();
const chrome = await startBrowser();
try {
  const url = lab.hello.fixtures.find((f) => f.file === 'genuine.png').url;
  const visit = async (page) => {
    const got = await check(page, url);
    if (got.verdict !== 'authentic' || got.updated !== 'yes') throw new Error(`unexpected page: ${JSON.stringify(got)}`);
    const inPage = await page.evaluate(() => performance.getEntriesByName('genuine-verdict')[0].startTime);
    return { driver: got.ms, inPage };
  };
  // First visits: each in a fresh context (empty cache), the browser already
  // running and warmed up on another page, as a shopper's is.
  const firsts = [];
  for (let i = 0; i < 3; i++) {
    const context = await chrome.browser.createBrowserContext();
    const fresh = await context.newPage();
    await fresh.goto('data:text/html,<p>warm-up</p>');
    firsts.push(await visit(fresh));
    await context.close();
  }
  const page = await chrome.browser.newPage();
  const runs = [await visit(page)];
  for (let i = 0; i < 10; i++) runs.push(await visit(page));
  const warm = runs.slice(1);
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const texts = lab.hello.fixtures.map((f) => f.url);
  const wasmUs = await page.evaluate(async (texts) => {
    const { Verifier } = await import('/genuine/index.js');
    const anchor = await (await fetch('/genuine/anchor.txt')).text();
    const bundle = new Uint8Array(await (await fetch('/genuine/trust.bundle')).arrayBuffer());
    const v = await Verifier.open(anchor, bundle);
    let best = Infinity;
    for (let run = 0; run < 3; run++) {
      const start = performance.now();
      for (let i = 0; i < 200; i++) for (const t of texts) v.verify(t);
      best = Math.min(best, ((performance.now() - start) * 1000) / (200 * texts.length));
    }
    return best;
  }, texts);
  const rows = [
    ['verify, Chromium WebAssembly (µs per code)', wasmUs.toFixed(1), ''],
    ['verify, native CLI path: SQLite (µs per code)', native.cli_sqlite_us.toFixed(1), `wasm ${(wasmUs / native.cli_sqlite_us).toFixed(2)}× (target ≤ 3×)`],
    ['verify, the page\'s code natively: memory (µs per code)', native.page_native_us.toFixed(1), `wasm ${(wasmUs / native.page_native_us).toFixed(2)}×`],
    ['genuine_wasm_bg.wasm gzipped (bytes)', String(gzipped), `${(gzipped / 1024).toFixed(0)} KB (target ≤ 250 KB); raw ${wasm.length}`],
    ['navigation → data-verdict, first visit, median of 3 (ms)', median(firsts.map((r) => r.driver)).toFixed(0), `in page ${median(firsts.map((r) => r.inPage)).toFixed(0)}; best ${Math.min(...firsts.map((r) => r.driver)).toFixed(0)}`],
    ['navigation → data-verdict, same tab, median of 10 (ms)', median(warm.map((r) => r.driver)).toFixed(0), `in page ${median(warm.map((r) => r.inPage)).toFixed(0)} (target ≤ 300)`],
    ['navigation → data-verdict, same tab, best of 10 (ms)', Math.min(...warm.map((r) => r.driver)).toFixed(0), `in page ${Math.min(...warm.map((r) => r.inPage)).toFixed(0)}`],
  ];
  console.log('| measure | value | note |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  await chrome.close();
  await lab.stop();
}
