/** The process logger: pino to stderr, written synchronously so the last lines before an exit are never lost. */
import { type DestinationStream, type Logger, pino } from 'pino';
import { logfmtLine } from './logfmt.js';

export type LogFormat = 'json' | 'logfmt';

/** Keys whose values must never reach a log line, whatever object they sit in. */
const REDACT = [
  'accessKeySecret',
  'securityToken',
  '*.accessKeySecret',
  '*.securityToken',
  '*.access_key_secret',
  '*.security_token',
  'headers.authorization',
  '*.headers.authorization',
];

/** `destination` defaults to stderr; tests pass their own. */
export function createLogger(level: string, format: LogFormat, destination: DestinationStream = pino.destination({ fd: 2, sync: true })): Logger {
  const options = { level, redact: { paths: REDACT, censor: '<redacted>' }, base: { app: 'dbs-exporter' } };
  if (format === 'json') return pino(options, destination);
  // Rendered from pino's finished JSON line, so redaction and serializers apply as they do to JSON.
  return pino(options, { write: (line: string) => destination.write(logfmtLine(JSON.parse(line) as Record<string, unknown>)) });
}
