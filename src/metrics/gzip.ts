/**
 * Gzip of rendered parts, compressed on libuv's thread pool, never on the event loop. A body is
 * concatenated gzip members, one per part, which HTTP clients (Go's gzip.Reader, curl, zlib)
 * read as one stream.
 */
import { once } from 'node:events';
import { type ZlibOptions, constants as zlibConstants, createGzip } from 'node:zlib';

/** Parts rendered every second (lag, the exporter's own metrics) favour speed over size. Why: docs/design/exposition.md#memory */
export const FAST_GZIP_LEVEL = zlibConstants.Z_BEST_SPEED;

/**
 * A small window and hash tables for parts of a few dozen KiB, gzipped up to ten times a second:
 * a fraction of zlib's default memory per stream. Why: docs/design/exposition.md#memory
 */
export const SMALL_PART_ZLIB: ZlibOptions = { windowBits: 12, memLevel: 4 };

/** One gzip stream over the chunks, in zlib's 16 KiB output pieces. */
export function gzipChunks(chunks: readonly Buffer[], level: number = zlibConstants.Z_DEFAULT_COMPRESSION, options: ZlibOptions = {}): Promise<Buffer[]> {
  return gzipStream(
    async (write) => {
      for (const chunk of chunks) await write(chunk);
    },
    level,
    options,
  );
}

/** gzip of what `produce` writes, taken as it comes (a write waits while zlib is behind). */
export async function gzipStream(
  produce: (write: (chunk: Buffer) => Promise<void>) => Promise<unknown>,
  level: number = zlibConstants.Z_DEFAULT_COMPRESSION,
  options: ZlibOptions = {},
): Promise<Buffer[]> {
  const zip = createGzip({ ...options, level });
  const out: Buffer[] = [];
  zip.on('data', (data: Buffer) => out.push(data));
  const ended = once(zip, 'end');
  try {
    await produce(async (chunk) => {
      if (!zip.write(chunk)) await once(zip, 'drain');
    });
  } catch (err) {
    zip.destroy();
    throw err;
  }
  zip.end();
  await ended;
  return out;
}
