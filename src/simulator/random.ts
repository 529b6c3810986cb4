/**
 * Deterministic randomness. Fleet construction draws from a sequential PRNG (mulberry32);
 * per-job variation (jitter, sizes) comes from a stateless hash of (plan seed, slot), so a
 * job looks the same whichever window it is generated in and in whatever order.
 */

/** mulberry32: a tiny 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stateless hash of integers to a float in [0, 1). */
export function hashUnit(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    // Fold in both 32-bit halves so slot numbers beyond 2^32 still differ.
    const low = part | 0;
    const high = Math.floor(part / 4294967296) | 0;
    h = Math.imul(h ^ low, 0x01000193);
    h = Math.imul(h ^ high, 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return (h >>> 0) / 4294967296;
}

export function pick<T>(random: () => number, values: readonly T[]): T {
  const value = values[Math.floor(random() * values.length)];
  if (value === undefined) throw new Error('pick from an empty list');
  return value;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A lowercase alphanumeric string of `length` characters. */
export function randomId(random: () => number, length: number): string {
  let id = '';
  for (let i = 0; i < length; i++) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
  return id;
}
