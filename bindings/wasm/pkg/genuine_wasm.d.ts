/* tslint:disable */
/* eslint-disable */

/**
 * A verifier over the pinned anchor and a bundle, with what its syncs
 * brought, in memory.
 */
export class Verifier {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Opens with the pinned root keys (an anchor file's text) and a trust
     * bundle; `now` is the device clock in unix seconds.
     */
    constructor(anchor: string, bundle: Uint8Array | number[], now: number);
    /**
     * How current the trusted state is at `now`: `{"last_sync","freshness","words"}`.
     */
    status(now: number): string;
    /**
     * The answer for `path`: the HTTP status, the body (empty for
     * anything but 200) and the ETag, if any.
     */
    syncAnswer(path: string, status: number, body: Uint8Array | number[], etag?: string | null): void;
    /**
     * Starts a sync from the feed at `feed_url` (its base URL), forgetting
     * the answers of any sync before it.
     */
    syncBegin(feed_url: string): void;
    /**
     * `path` could not be fetched: `failure` is `timeout`, `too_large`
     * (the body passed the cap) or anything else (`detail` says what).
     */
    syncFailed(path: string, failure: string, detail: string): void;
    /**
     * One round of the sync: `{"need":{"path","url","cap"}}` (fetch it and
     * answer), `{"synced":REPORT}` or `{"refused":{"problem","detail"}}`.
     */
    syncRound(now: number): string;
    /**
     * Verifies a code's text at `now`: `{"verdict":KIND,"result":VERDICT,
     * "card":CARD,"tone_rgb","updated","notes":{"update","host"}}`, the
     * verdict as `genuine verify --json` prints it.
     */
    verify(text: string, now: number): string;
}

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_verifier_free: (a: number, b: number) => void;
    readonly verifier_new: (a: number, b: number, c: number, d: number, e: number) => [number, number, number];
    readonly verifier_status: (a: number, b: number) => [number, number];
    readonly verifier_syncAnswer: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly verifier_syncBegin: (a: number, b: number, c: number) => [number, number];
    readonly verifier_syncFailed: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly verifier_syncRound: (a: number, b: number) => [number, number];
    readonly verifier_verify: (a: number, b: number, c: number, d: number) => [number, number, number, number];
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
