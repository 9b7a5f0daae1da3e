// Types of @genuine/verify. Verdicts and cards are the shapes
// `genuine verify --json` prints and the apps show.

/** A verdict's machine name (the CLI's `--json` `verdict`). */
export type VerdictKind = 'authentic' | 'revoked' | 'forged' | 'unknown_issuer' | 'not_signed' | 'malformed';

/** The product identity a code carries (for a fake: as claimed). */
export interface Product {
  gtin: string;
  serial: string | null;
  batch: string | null;
  variant: string | null;
  expiry: string | null;
  attributes: { ai: string; value: string }[];
  /** The host printed in the code; never signed. */
  host: string;
}

/** Who signed a code. */
export interface Issuer {
  brand_id: string;
  brand_name: string;
  kid: number;
  verify_until: number;
}

/** How current the revocation data behind a verdict is. */
export type Freshness = { state: 'fresh' } | { state: 'stale'; days: number } | { state: 'unknown' };

/** What verification found, as `genuine verify --json` prints it. */
export type Verdict =
  | {
      verdict: 'authentic';
      product: Product;
      issuer: Issuer;
      revocation: Freshness;
      warnings: ({ warning: string } & Record<string, unknown>)[];
    }
  | {
      verdict: 'revoked';
      product: Product;
      issuer: Issuer;
      reason: 'key_revoked' | 'code_revoked' | 'batch_recalled' | 'code_cloned';
      since: number;
    }
  | { verdict: 'forged'; claimed: Product; reason: { check: string } & Record<string, unknown> }
  | { verdict: 'unknown_issuer'; claimed: Product; kid: number }
  | { verdict: 'not_signed'; reason: 'unsigned_product_link' | 'not_a_product_link' }
  | { verdict: 'malformed'; reason: string };

/** What the shopper reads for a verdict (the apps' card, in the same words). */
export interface VerdictCard {
  title: string;
  tone: 'genuine' | 'caution' | 'look_alike_link' | 'danger' | 'neutral';
  tone_label: string;
  explanation: string;
  next_step: string;
  details: { label: string; value: string }[];
  notes: string[];
}

/** One verification. */
export interface Checked {
  verdict: VerdictKind;
  result: Verdict;
  card: VerdictCard;
  /** The tone's colour, `#rrggbb`. */
  tone_rgb: string;
  /** Whether the last sync brought the feed's current state. */
  updated: boolean;
  notes: {
    /** Said when the feed was not reached or was refused: the verdict rests on the bundle. */
    update: string | null;
    /** Where the shopper is, and the brand's registered hosts. */
    host: string | null;
  };
}

/** What a sync did. */
export type Synced =
  | { ok: true; report: Record<string, unknown> }
  | {
      ok: false;
      problem: 'network_retry' | 'network_bad_answer' | 'feed_refused' | 'storage' | 'bad_input' | 'internal';
      detail: string;
    };

/** A verifier over a pinned anchor and a trust bundle, in memory. */
export declare class Verifier {
  private constructor();
  /** Loads the module and opens a verifier with the anchor file's text and the bundle's bytes. */
  static open(anchor: string, bundle: Uint8Array, options?: { wasmUrl?: string | URL }): Promise<Verifier>;
  /** Applies the brand's feed (all checks in the module); nothing changes if it is refused. */
  sync(feedUrl: string, options?: { timeoutMs?: number }): Promise<Synced>;
  /** Verifies a code's text. */
  verify(text: string): Checked;
  /** How current the trusted state is. */
  status(): { last_sync: number | null; freshness: Freshness; words: string };
}
