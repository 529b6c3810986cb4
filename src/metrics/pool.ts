/**
 * Buffer lifetimes of the per-second renderings: pooled chunks, reused once no response still
 * sends them, and parts that count their readers (hold/release) and hand their chunks back
 * once evicted and unread. Why a pool at all: docs/design/exposition.md#memory
 */
import type { ZlibOptions } from 'node:zlib';
import { FAST_GZIP_LEVEL, gzipChunks } from './gzip.js';

/** Below glibc's initial mmap threshold (128 KiB), so freeing one never raises it. Why: docs/design/exposition.md#memory */
export const CHUNK_BYTES = 64 * 1024;

/** Most pooled buffers kept (2 MiB). */
const POOL_MAX_BUFFERS = 32;

export class ChunkPool {
  private readonly free: Buffer[] = [];

  readonly alloc = (): Buffer => this.free.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);

  /** Takes back buffers that nothing reads any more (and empties the list). */
  recycle(buffers: Buffer[]): void {
    for (const buffer of buffers) if (this.free.length < POOL_MAX_BUFFERS) this.free.push(buffer);
    buffers.length = 0;
  }
}

/** Rendered text, its fast gzip made on first use, and who still reads it. */
export interface Rendered {
  text: Buffer[];
  gzip(): Promise<Buffer[]>;
  /** Someone reads `text` (a response being written): its buffers must not be reused. */
  hold(): void;
  release(): void;
  /** Out of the cache: once nobody holds it, its pooled buffers go back to the pool. */
  evict(): void;
}

/** A part whose `recycle` hands its pooled buffers back once it is evicted and no reader holds it. */
export function rendered(text: Buffer[], zlibOptions: ZlibOptions = {}, recycle?: () => void): Rendered {
  let zipped: Promise<Buffer[]> | undefined;
  let holders = 0;
  let evicted = false;
  const maybeRecycle = () => {
    if (evicted && holders === 0 && recycle) {
      recycle();
      recycle = undefined;
    }
  };
  const part: Rendered = {
    text,
    gzip() {
      if (!zipped) {
        // zlib reads the text on the thread pool: held until it has.
        part.hold();
        zipped = gzipChunks(text, FAST_GZIP_LEVEL, zlibOptions);
        zipped.then(part.release, part.release);
      }
      return zipped;
    },
    hold() {
      holders += 1;
    },
    release() {
      holders -= 1;
      maybeRecycle();
    },
    evict() {
      evicted = true;
      maybeRecycle();
    },
  };
  return part;
}
