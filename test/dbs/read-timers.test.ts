/**
 * httpx (under openapi-client) starts a read timer per request and never clears it when
 * openapi-client reads the body itself; each such timer holds its request and response for
 * the whole readTimeout. These tests watch the real sockets used by real calls.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential, createDbsClient, DbsApiError, type DbsApi } from '../../src/dbs/index.js';
import { DEMO_CREDENTIAL, ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ clock: new ManualClock(Date.UTC(2026, 10, 20, 12)), scenario: { plans: 3 } });
});
afterAll(async () => {
  await sim.close();
});

function client(timeoutMs: number): DbsApi {
  return createDbsClient({
    endpoint: sim.endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    credential: createCredential({ type: 'access_key', accessKeyId: DEMO_CREDENTIAL.accessKeyId, accessKeySecret: DEMO_CREDENTIAL.accessKeySecret }),
    timeoutMs,
    retry: { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1 },
  });
}

function pendingReadTimer(socket: Socket): unknown {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'TIMER::READ_TIMER');
  return symbol ? (socket as unknown as Record<symbol, unknown>)[symbol] : undefined;
}

describe('httpx read timers', () => {
  it('are cleared once each response has been read, on new and reused sockets', async () => {
    const sockets = new Set<Socket>();
    const onStart = (message: unknown) => {
      const request = (message as { request: ClientRequest }).request;
      // Published when the request is sent; the response comes later, on the request's socket.
      request.once('response', (response: IncomingMessage) => sockets.add(response.socket));
    };
    subscribe('http.client.request.start', onStart);
    try {
      const api = client(60_000);
      for (let i = 0; i < 20; i++) {
        const page = await api.call('DescribeBackupPlanList', { PageNum: 0, PageSize: 30 });
        expect(page.Items.length).toBe(3);
      }
      // Let the agent hand sockets back (and any next-tick timer start) settle.
      await new Promise((resolve) => setImmediate(resolve));
      expect(sockets.size).toBeGreaterThan(0);
      const pending = [...sockets].filter((socket) => pendingReadTimer(socket));
      expect(pending.length).toBe(0);
    } finally {
      unsubscribe('http.client.request.start', onStart);
    }
  });

  it('still time out a response that never comes', async () => {
    sim.faults.set({ kind: 'latency', ms: 2_000, action: 'DescribeBackupPlanList' });
    try {
      const err = await client(300)
        .call('DescribeBackupPlanList', { PageNum: 0, PageSize: 30 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbsApiError);
      expect((err as DbsApiError).errorClass).toBe('timeout');
    } finally {
      sim.faults.clear();
    }
  });
});
