/** An exporter configuration whose targets are simulators, through the real config parser. */
import { type ResolvedConfig, parseConfig } from '../../src/config/index.js';
import { DEMO_CREDENTIAL, type Simulator } from '../../src/simulator/index.js';

/**
 * `settings` are top-level YAML lines (collection:, defaults:, ...); each target gets the
 * demo credential from the environment, as a user's config would.
 */
export function simulatorConfig(targets: Readonly<Record<string, Simulator>>, settings: readonly string[] = []): ResolvedConfig {
  const yaml = [
    ...settings,
    'targets:',
    ...Object.entries(targets).flatMap(([name, sim]) => [
      `  - name: ${name}`,
      '    region: cn-hangzhou',
      `    endpoint: ${sim.endpoint}`,
      '    protocol: http',
      '    credentials: { type: access_key, access_key_id_env: SIM_KEY_ID, access_key_secret_env: SIM_SECRET }',
    ]),
  ].join('\n');
  return parseConfig(yaml, { env: { SIM_KEY_ID: DEMO_CREDENTIAL.accessKeyId, SIM_SECRET: DEMO_CREDENTIAL.accessKeySecret } });
}
