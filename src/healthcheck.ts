/**
 * The container's HEALTHCHECK: GET the exporter's /-/healthy and exit 0 on a 2xx answer, 1 otherwise.
 * It exists so the image needs no curl or wget, and imports nothing from the exporter so it starts fast.
 * node:http rather than fetch: fetch refuses the ports browsers block (e.g. 10080), a port an exporter may use.
 *
 *   DBS_EXPORTER_HEALTHCHECK_URL       default http://127.0.0.1:9871/-/healthy
 *   DBS_EXPORTER_HEALTHCHECK_TIMEOUT   seconds, default 3 (keep it below the HEALTHCHECK --timeout)
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

const DEFAULT_URL = 'http://127.0.0.1:9871/-/healthy';

/** Resolves with the HTTP status, or rejects with why there was none. */
function statusOf(url: URL, timeoutMs: number): Promise<number> {
  const get = url.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    request.on('error', reject);
  });
}

async function healthcheck(env: NodeJS.ProcessEnv): Promise<number> {
  const target = env.DBS_EXPORTER_HEALTHCHECK_URL || DEFAULT_URL;
  const timeoutSeconds = Number(env.DBS_EXPORTER_HEALTHCHECK_TIMEOUT || 3);
  try {
    const status = await statusOf(new URL(target), timeoutSeconds * 1000);
    if (status >= 200 && status < 300) return 0;
    process.stderr.write(`unhealthy: ${target} answered HTTP ${status}\n`);
  } catch (err) {
    process.stderr.write(`unhealthy: ${target}: ${(err as Error).message}\n`);
  }
  return 1;
}

process.exitCode = await healthcheck(process.env);
