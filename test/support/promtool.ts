/** Prometheus' own tools, run for real (installed by scripts/ensure-prometheus.sh). */
import { spawnSync } from 'node:child_process';

export function promtool(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const result = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error(`promtool could not run (${result.error.message}); run scripts/ensure-prometheus.sh`);
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
