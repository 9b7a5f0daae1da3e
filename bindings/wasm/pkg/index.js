// @genuine/verify: Genuine's verifier in the browser. The checks — the code's
// signature, the trust chain, the feed's caps, hashes, signatures, rollback
// and freeze — all run in the WebAssembly module (the same Rust crates as the
// phones); this file only moves bytes: it fetches the feed files the module
// names, and parses the JSON the module returns.

import init, { Verifier as Core } from './genuine_wasm.js';

/** The device clock, in unix seconds. */
const nowSecs = () => Date.now() / 1000;

/**
 * Fetches one feed file: at most `cap` body bytes, within `timeoutMs` (body
 * included), no cookies, no referrer, no cache. What comes back is checked by
 * the module, never here.
 */
async function fetchCapped(url, cap, timeoutMs) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(url, {
      signal: abort.signal,
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      return { status: res.status, body: new Uint8Array(0), etag: null };
    }
    // Endless data: stop reading past the cap, whatever the server declares.
    const declared = Number(res.headers.get('content-length'));
    if (declared > cap) {
      abort.abort();
      return { failure: 'too_large' };
    }
    const reader = res.body.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) {
        abort.abort();
        return { failure: 'too_large' };
      }
      chunks.push(value);
    }
    const body = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.byteLength;
    }
    return { status: 200, body, etag: res.headers.get('etag') };
  } catch (e) {
    if (abort.signal.aborted) return { failure: 'timeout' };
    return { failure: 'failed', detail: String(e && e.message ? e.message : e) };
  } finally {
    clearTimeout(timer);
  }
}

/** A verifier over a pinned anchor and a trust bundle, in memory. */
export class Verifier {
  /** @param {Core} core */
  constructor(core) {
    this.core = core;
  }

  /**
   * Loads the module (from `wasmUrl`, default: next to this file) and opens
   * a verifier with the anchor file's text and the bundle's bytes.
   */
  static async open(anchor, bundle, { wasmUrl } = {}) {
    await init({ module_or_path: wasmUrl ?? new URL('./genuine_wasm_bg.wasm', import.meta.url) });
    return new Verifier(new Core(anchor, bundle, nowSecs()));
  }

  /**
   * Applies the brand's feed at `feedUrl`: every file the module asks for is
   * fetched and handed back, until the module has checked and applied the
   * update or refused it (then nothing changed).
   */
  async sync(feedUrl, { timeoutMs = 8000 } = {}) {
    try {
      this.core.syncBegin(feedUrl);
    } catch (e) {
      return { ok: false, problem: 'bad_input', detail: String(e && e.message ? e.message : e) };
    }
    for (;;) {
      const step = JSON.parse(this.core.syncRound(nowSecs()));
      if (step.synced) return { ok: true, report: step.synced };
      if (step.refused) return { ok: false, ...step.refused };
      const { path, url, cap } = step.need;
      const got = await fetchCapped(url, cap, timeoutMs);
      if (got.failure) this.core.syncFailed(path, got.failure, got.detail ?? '');
      else this.core.syncAnswer(path, got.status, got.body, got.etag ?? undefined);
    }
  }

  /** Verifies a code's text (a URL): the verdict, its card and the page's notes. */
  verify(text) {
    return JSON.parse(this.core.verify(text, nowSecs()));
  }

  /** How current the trusted state is. */
  status() {
    return JSON.parse(this.core.status(nowSecs()));
  }
}
