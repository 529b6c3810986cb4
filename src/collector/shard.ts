/**
 * Scale-out: N replicas each poll the plans whose stable hash of account + plan id falls
 * in their shard, so together they cover the fleet exactly once. FNV-1a (32-bit) is stable
 * across processes, versions and platforms, which is all this needs.
 */
export interface Shard {
  /** 0-based. */
  index: number;
  total: number;
}

export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function shardOf(account: string, planId: string, total: number): number {
  return fnv1a32(`${account}/${planId}`) % total;
}

export function inShard(shard: Shard | undefined, account: string, planId: string): boolean {
  return !shard || shard.total <= 1 || shardOf(account, planId, shard.total) === shard.index;
}
