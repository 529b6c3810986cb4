/**
 * Load generation with autocannon. Latencies are taken from its `response` events (float ms)
 * rather than its histogram, which rounds to whole milliseconds and would make sub-millisecond
 * answers from the in-memory baseline read as 0.
 *
 * A cell runs for `durationS`, and past it until `minResponses` answers have come back (a large
 * fleet renders for seconds, and a fixed window would otherwise keep only the fast answers, or
 * none), but never past `capS`. Requests still in flight when it stops are not counted.
 *
 * Bodies are dropped as they arrive. autocannon keeps each response body as a string
 * (`body += chunk`, for its verifyBody/expectBody options, which the harness does not use): a
 * 2 MiB gzip body becomes a UTF-8 decode of binary into ~4 MiB of two-byte string per
 * response, a 36 MiB plain body a 36 MiB string. With 16 connections that held autocannon's
 * own event loop for 0.3–6 s and capped every server at ~15 gzip responses/s, so the cells
 * measured the load generator (an in-memory server answering 2 MiB of gzip, 16 connections,
 * 8 s: 49–64 responses, p99 2.4–6.3 s as autocannon ships; 1,505–1,524 responses, p99
 * 222–244 ms with bodies dropped). Byte counts (`resBytes`) are kept: they come from the
 * socket, not from the body string.
 */
import autocannon from 'autocannon';
import { percentile } from './stats.js';

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  gzip: boolean;
  /** Keep going past durationS until this many 2xx answers arrived; default 1. */
  minResponses?: number;
  /** Hard stop; default 10 × durationS. */
  capS?: number;
}

export interface LoadResult {
  connections: number;
  gzip: boolean;
  durationS: number;
  /** 2xx responses completed (in-flight requests at the end are not counted). */
  responses: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requestsPerSecond: number;
  /** Mean bytes read per 2xx response, headers included, as received (compressed when gzip). */
  bytesPerResponse: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** autocannon's per-connection client, as far as the harness touches it. */
interface AutocannonClient {
  pipelinedRequests: { addBody(data: unknown): void };
}

function dropBodies(client: unknown): void {
  (client as AutocannonClient).pipelinedRequests.addBody = () => {};
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let bytes = 0;
  const minResponses = options.minResponses ?? 1;
  const capS = Math.max(options.durationS, options.capS ?? 10 * options.durationS);
  return new Promise((resolve, reject) => {
    let windowOver = false;
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: capS,
        // A large fleet renders for seconds; a request is only an error if it takes much longer.
        timeout: 120,
        headers: options.gzip ? { 'accept-encoding': 'gzip' } : {},
        setupClient: dropBodies,
      },
      (err, result) => {
        clearTimeout(window);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        latencies.sort((a, b) => a - b);
        resolve({
          connections: options.connections,
          gzip: options.gzip,
          durationS: result.duration,
          responses: latencies.length,
          p50Ms: percentile(latencies, 50),
          p99Ms: percentile(latencies, 99),
          maxMs: latencies.at(-1) ?? Number.NaN,
          requestsPerSecond: latencies.length / result.duration,
          bytesPerResponse: latencies.length > 0 ? bytes / latencies.length : Number.NaN,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    const window = setTimeout(() => {
      windowOver = true;
      if (latencies.length >= minResponses) instance.stop();
    }, options.durationS * 1000);
    instance.on('response', (_client, statusCode, resBytes, responseTime) => {
      if (statusCode < 200 || statusCode >= 300) return;
      latencies.push(responseTime);
      bytes += resBytes;
      if (windowOver && latencies.length === minResponses) instance.stop();
    });
  });
}
