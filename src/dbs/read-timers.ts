/**
 * Works around a leak in `httpx` (the HTTP layer under @alicloud/tea-typescript, 2.x and
 * 3.0.1 alike): for every request it starts a read-timeout timer on the socket and clears it
 * only in its own `read()`. openapi-client reads response bodies with tea-util instead, so
 * the timer is never cleared: each pending timer (the readTimeout, 10 s by default) keeps its
 * request, response and body alive, and fires `request.abort()` on a finished request later.
 * At 200 calls/s that is ~2,000 requests held at all times; a fast lookback cycle holds more.
 *
 * When a response has been read to its end, its read timer has no job left: this clears it.
 * It listens on Node's `http.client.request.start` diagnostics channel and touches only sockets
 * that carry httpx's timer, and only synchronously at 'end' (before the socket can be handed to
 * the next request, whose timer httpx starts on a later tick).
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
