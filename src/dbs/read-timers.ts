/**
 * Clears httpx's read-timeout timer once a response has been read to its end: httpx clears it only in
 * its own read(), which openapi-client never calls, so each timer held its request alive for 10 s.
 * Why: docs/design/dbs-client.md#read-timers
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

const TIMER_DESCRIPTION = 'TIMER::READ_TIMER';
let timerSymbol: symbol | undefined;
let installed = false;

function readTimerSymbol(socket: Socket): symbol | undefined {
  timerSymbol ??= Object.getOwnPropertySymbols(socket).find((s) => s.description === TIMER_DESCRIPTION);
  return timerSymbol;
}

/** Clear httpx's read timer on a socket whose response has been read (exported for tests). */
export function clearReadTimer(socket: Socket | null | undefined): boolean {
  if (!socket) return false;
  const symbol = readTimerSymbol(socket);
  if (!symbol) return false;
  const holder = socket as unknown as Record<symbol, NodeJS.Timeout | null | undefined>;
  const timer = holder[symbol];
  if (!timer) return false;
  clearTimeout(timer);
  holder[symbol] = null;
  return true;
}

function onRequestStart(message: unknown): void {
  const request = (message as { request?: ClientRequest }).request;
  if (!request) return;
  request.once('response', (response: IncomingMessage) => {
    const socket = response.socket;
    response.once('end', () => clearReadTimer(socket));
  });
}

/** Idempotent; called when the first transport is built. */
export function installReadTimerRelease(): void {
  if (installed) return;
  installed = true;
  subscribe('http.client.request.start', onRequestStart);
}
