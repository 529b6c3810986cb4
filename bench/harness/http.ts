/** Plain loopback HTTP helpers: one GET, and polling an endpoint until it answers 200. */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 120_000): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `url` every `everyMs` until it answers 200; resolves with performance.now() of the first
 * 200. Rejects after `timeoutMs`, or as soon as `gaveUp()` returns a reason (e.g. the process exited).
 */
export async function waitFor200(url: string, options: { timeoutMs: number; everyMs?: number; gaveUp?: () => string | undefined }): Promise<number> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const reason = options.gaveUp?.();
    if (reason) throw new Error(`gave up waiting for ${url}: ${reason}`);
    try {
      const res = await httpGet(url, {}, 5_000);
      if (res.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${options.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, options.everyMs ?? 20));
  }
}
