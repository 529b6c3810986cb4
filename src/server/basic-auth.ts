/**
 * HTTP basic auth against bcrypt hashes, as the exporter-toolkit does it: bcrypt's own
 * comparison (constant time), one comparison at a time (bcrypt is CPU-bound), a cache of
 * successful checks so a scrape every 15s does not pay bcrypt's cost each time, and the
 * same work for an unknown user as for a known one, so timing does not reveal user names.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import pLimit from 'p-limit';
import type { Secret } from '../config/index.js';

const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
const MIN_COST = 4;
const MAX_COST = 31;
/** Successful checks kept; a handful of scrapers use one or two credentials, so this never fills in practice. */
const CACHE_SIZE = 100;

/** Why a string is not a usable bcrypt hash, or undefined. Never quotes the hash. */
export function bcryptHashProblem(hash: string): string | undefined {
  const match = BCRYPT_HASH.exec(hash);
  if (!match) return 'not a bcrypt hash (expected $2a$, $2b$ or $2y$, a two-digit cost, then 53 characters of salt and hash)';
  const cost = Number(match[1]);
  if (cost < MIN_COST || cost > MAX_COST) return `bcrypt cost ${cost} is outside ${MIN_COST}..${MAX_COST}`;
  return undefined;
}

function costOf(hash: string): number {
  return Number(BCRYPT_HASH.exec(hash)?.[1] ?? 10);
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A well-formed hash of nothing anyone knows, at the given cost: what unknown users are compared against. */
function decoyHash(cost: number): string {
  const body = [...randomBytes(53)].map((b) => BCRYPT_ALPHABET[b % 64]).join('');
  return `$2b$${String(cost).padStart(2, '0')}$${body}`;
}

/** `Authorization: Basic base64(user:password)` → its parts, or undefined. */
export function parseBasicAuthorization(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class BasicAuth {
  readonly #users: ReadonlyMap<string, Secret>;
  readonly #decoy: string;
  /** sha256(user, password, hash) of checks that succeeded; the hash is in the key so a changed hash misses. */
  readonly #verified = new Set<string>();
  readonly #oneAtATime = pLimit(1);

  constructor(users: ReadonlyMap<string, Secret>) {
    this.#users = users;
    const costs = [...users.values()].map((hash) => costOf(hash.reveal()));
    this.#decoy = decoyHash(costs.length > 0 ? Math.max(...costs) : 10);
  }

  get enabled(): boolean {
    return this.#users.size > 0;
  }

  /** Whether the Authorization header names a user and their password. */
  async check(authorization: string | undefined): Promise<boolean> {
    const credentials = parseBasicAuthorization(authorization);
    if (!credentials) return false;
    const stored = this.#users.get(credentials.user);
    const hash = stored?.reveal() ?? this.#decoy;
    const key = createHash('sha256')
      .update(`${credentials.user.length}:${credentials.user}\0${credentials.password.length}:${credentials.password}\0${hash}`)
      .digest('hex');
    if (stored && this.#verified.has(key)) return true;
    const matches = await this.#oneAtATime(() => bcrypt.compare(credentials.password, hash));
    if (!matches || !stored) return false;
    if (this.#verified.size >= CACHE_SIZE) this.#verified.delete(this.#verified.values().next().value as string);
    this.#verified.add(key);
    return true;
  }
}
