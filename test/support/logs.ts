/** What the exporter logs, captured for tests that assert it. */
import { Writable } from 'node:stream';
import { type Logger, type LevelWithSilent, pino } from 'pino';

/** One JSON log line, parsed. */
export type LogLine = Record<string, unknown> & { msg: string; level: number };

/** A pino logger whose lines are parsed into `logs` as they are written. */
export function capturedLogger(level: LevelWithSilent = 'debug'): { logger: Logger; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, sink), logs };
}
