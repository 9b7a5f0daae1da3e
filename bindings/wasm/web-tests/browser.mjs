// Shared by the browser tests and the benchmark: Debian's Chromium (never a
// downloaded browser), headless, in a fresh profile, and the web lab (the
// demo world served by the real CLI on loopback; tests/src/bin/web-lab.rs).

import puppeteer from 'puppeteer-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = (name) => join(process.env.GENUINE_TARGET_DIR ?? join(repo, 'target/debug'), name);

/** Starts the web lab; resolves to its greeting and a stop function. */
export async function startLab() {
  const child = spawn(bin('web-lab'), ['--cli', bin('genuine')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((ok, fail) => {
    lines.once('line', ok);
    child.once('exit', (code) => fail(new Error(`web-lab exited (${code}) before it was ready`)));
  });
  const hello = JSON.parse(first);
  const control = async (what) => {
    const res = await fetch(`${hello.lab}_lab/${what}`);
    const body = await res.text();
    if (!res.ok) throw new Error(`lab ${what}: ${body}`);
    return body;
  };
  const stop = () =>
    new Promise((ok) => {
      child.once('exit', ok);
      child.stdin.end();
    });
  return { hello, control, stop };
}

/** Debian's Chromium, headless, in a profile of its own that is removed after. */
export async function startBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'genuine-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
  });
  const close = async () => {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { browser, close };
}

/** Opens `url` and waits until the page has set its verdict (or failed). */
export async function check(page, url) {
  const started = performance.now();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#verdict[data-verdict], #verdict[data-error]', { timeout: 20000 });
  const ms = performance.now() - started;
  const got = await page.$eval('#verdict', (section) => {
    const t = (id) => document.getElementById(id).textContent;
    return {
      verdict: section.dataset.verdict,
      error: section.dataset.error,
      updated: section.dataset.updated,
      fresh: section.dataset.fresh,
      tone: section.dataset.tone,
      title: t('title'),
      explanation: t('explanation'),
      next: t('next'),
      notes: [...document.querySelectorAll('#notes li')].map((li) => li.textContent),
      details: [...document.querySelectorAll('#details dd')].map((dd) => dd.textContent),
      where: t('where'),
    };
  });
  return { ...got, ms };
}
