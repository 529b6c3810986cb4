/**
 * A body written in batches: corked (one writev each), the event loop turning between them,
 * waiting for 'drain' only while bytes are queued, and asking a shared per-turn time budget
 * before each. Why: docs/design/exposition.md#writing-the-body
 */
import type { ServerResponse } from 'node:http';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { TurnBudget } from './turn-budget.js';

/** Most bytes handed to the socket in one go (one writev) before the event loop gets a turn. */
export const WRITE_BATCH_BYTES = 1024 * 1024;

/** How long all responses together may keep writing in one turn of the event loop. */
export const WRITE_TURN_MS = 10;

/** Writes the chunks and ends the response; a client that goes away ends the loop. */
export async function writeBody(res: ServerResponse, chunks: readonly Buffer[], budget: TurnBudget): Promise<void> {
  let batch = 0;
  // Not `await budget.take()`: a grant is acted on at once, before another writer can ask.
  let turn = budget.take();
  if (turn) await turn;
  if (res.destroyed) return;
  res.cork();
  for (const chunk of chunks) {
    if (res.destroyed) return;
    for (let offset = 0; offset < chunk.length; offset += WRITE_BATCH_BYTES) {
      const piece = offset === 0 && chunk.length <= WRITE_BATCH_BYTES ? chunk : chunk.subarray(offset, offset + WRITE_BATCH_BYTES);
      res.write(piece);
      batch += piece.length;
      if (batch < WRITE_BATCH_BYTES) continue;
      batch = 0;
      res.uncork();
      // 'drain' also comes (from process.nextTick) when the kernel took the whole batch:
      // waiting for it then would chain every batch in one turn.
      await (res.writableNeedDrain && res.writableLength > 0 ? drainedOrClosed(res) : setImmediatePromise());
      turn = budget.take();
      if (turn) await turn;
      if (res.destroyed) return;
      res.cork();
    }
  }
  res.end();
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
