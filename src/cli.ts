#!/usr/bin/env node
/**
 * Command line: flags → config → start. Flags follow the Prometheus exporter convention
 * (--web.listen-address, --web.telemetry-path, --log.level, --log.format).
 */
import './runtime.js'; // first, before the heap grows: V8 heap settings however node is started (runtime.ts)
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option, type OptionValues } from 'commander';
import type { Logger } from 'pino';
import { ConfigError, type ResolvedConfig, configFileSchema, formatIssue, loadConfigFile } from './config/index.js';
import { createCredential } from './dbs/credentials.js';
import { DEMO_PLANS } from './demo/defaults.js';
import type { RunningDemo } from './demo/start.js';
import { type ExporterOptions, type RunningExporter, createExporter, runExporter } from './exporter.js';
import { type LogFormat, createLogger } from './log/logger.js';
import type { RuleThresholds } from './rules/rules.js';
import { type WebConfig, describeWebConfig, loadWebConfig } from './server/web-config.js';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string };

export const EXIT_CONFIG = 2;

interface MainOptions {
  config: string;
  checkConfig?: boolean;
  webListenAddress?: string;
  webTelemetryPath?: string;
  webConfigFile?: string;
  logLevel: string;
  logFormat: LogFormat;
  once?: boolean;
  demo?: boolean;
  demoPort: number;
  demoPlans: number;
  shardIndex: number;
  shardTotal: number;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

function nonNegativeInt(value: string): number {
  // Number('') is 0: an empty $(SHARD_INDEX) must not silently become shard 0.
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100_000) throw new InvalidArgumentError('expected a whole number from 0 to 100000');
  return n;
}

function positiveInt(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('expected a whole number from 1 to 100000');
  return n;
}

/** The flags that override `web:` get the same checks as the config file's keys (exit 2, not a failed listen or a dead path). */
function webSetting(key: 'listen_address' | 'telemetry_path') {
  const schema = configFileSchema.shape.web.unwrap().shape[key];
  return (value: string): string => {
    const result = schema.safeParse(value);
    if (!result.success) throw new InvalidArgumentError(result.error.issues[0]?.message ?? 'invalid value');
    return value;
  };
}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/**
 * Bad configuration: exit 2. `--check-config` answers in plain text, one issue a line (a report
 * for a person or CI, like promtool); a starting exporter logs each issue as an event.
 */
function exitInvalid(logger: Logger, options: MainOptions, what: { msg: string; header?: string; fields?: Record<string, unknown>; issues: string[] }): never {
  if (options.checkConfig) fail([...(what.header === undefined ? [] : [what.header]), ...what.issues].join('\n'), EXIT_CONFIG);
  for (const issue of what.issues) logger.error({ ...what.fields, issue }, what.msg);
  process.exit(EXIT_CONFIG);
}

/** The --web.config.file, validated with its certificate files; exit 2 naming each problem. */
async function loadWebConfigOrExit(file: string | undefined, logger: Logger, options: MainOptions): Promise<WebConfig | undefined> {
  if (file === undefined) return undefined;
  try {
    return await loadWebConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      exitInvalid(logger, options, { msg: 'invalid web configuration file', header: `invalid web configuration file ${file}:`, fields: { web_config_file: file }, issues: err.issues.map(formatIssue) });
    }
    throw err;
  }
}

async function main(options: MainOptions): Promise<void> {
  const logger = createLogger(options.logLevel, options.logFormat);
  if (options.shardIndex >= options.shardTotal) {
    exitInvalid(logger, options, { msg: 'invalid flags', issues: [`--shard.index ${options.shardIndex} must be below --shard.total ${options.shardTotal}`] });
  }
  const shard = options.shardTotal > 1 ? { shard: { index: options.shardIndex, total: options.shardTotal } } : {};
  const webConfig = await loadWebConfigOrExit(options.webConfigFile, logger, options);
  const { config, simulator, demo } = await loadConfigOrExit(options, logger);
  const run: RunContext = { logger, build: { version: pkg.version }, shard, simulator };

  if (options.checkConfig) return reportValidConfig(options, config, webConfig, simulator);
  if (options.once) return runOnce(config, run);
  await serve(config, run, { options, webConfig, demo });
}

/** What every mode runs with: the logger, the build, this replica's shard, and the demo's simulator to close. */
interface RunContext {
  logger: Logger;
  build: ExporterOptions['build'];
  shard: Pick<ExporterOptions, 'shard'>;
  simulator: Closable | undefined;
}

interface Closable {
  close(): Promise<void>;
}

/** The configuration to run: the file's, or the embedded demo fleet's (its simulator started). */
interface LoadedConfig {
  config: ResolvedConfig;
  simulator?: Closable;
  demo?: RunningDemo;
}

/** The --config file, or with --demo the embedded simulator and its config; exit 2 naming each problem. */
async function loadConfigOrExit(options: MainOptions, logger: Logger): Promise<LoadedConfig> {
  try {
    if (options.demo) {
      const { startDemo } = await import('./demo/start.js');
      const demo = await startDemo({ port: options.demoPort, plans: options.demoPlans }, logger);
      return { config: demo.config, simulator: demo.simulator, demo };
    }
    return { config: await loadConfigFile(options.config) };
  } catch (err) {
    if (err instanceof ConfigError) {
      const fields = options.demo ? {} : { config_file: err.file ?? options.config };
      exitInvalid(logger, options, { msg: 'invalid configuration', fields, issues: err.issues.map(formatIssue) });
    }
    throw err;
  }
}

/** --check-config on a valid configuration: one line per file on stdout, saying what it holds. */
async function reportValidConfig(options: MainOptions, config: ResolvedConfig, webConfig: WebConfig | undefined, simulator: Closable | undefined): Promise<void> {
  process.stdout.write(`${options.demo ? '(demo)' : options.config}: configuration is valid: ${config.targets.length} target(s): ${config.targets.map((t) => `${t.name} (${t.region})`).join(', ')}\n`);
  if (webConfig) process.stdout.write(`${webConfig.file}: web configuration is valid: ${describeWebConfig(webConfig)}\n`);
  await simulator?.close();
}

/** --once: one cycle, its exposition on stdout; exit 1 when any target or plan failed, for scripts and CI. */
async function runOnce(config: ResolvedConfig, { logger, build, shard, simulator }: RunContext): Promise<void> {
  const exporter = createExporter(config, { logger, build, processMetrics: false, ...shard });
  const { report } = await exporter.runCycle();
  process.stdout.write(await exporter.metrics.registry.metrics());
  await simulator?.close();
  logger.flush?.();
  process.exitCode = report.targetFailures + report.planFailures > 0 ? 1 : 0;
}

/** The long-running exporter: listen, stop gracefully on SIGTERM or SIGINT, then say where it listens. */
async function serve(config: ResolvedConfig, run: RunContext, from: { options: MainOptions; webConfig: WebConfig | undefined; demo: RunningDemo | undefined }): Promise<void> {
  const { logger, build, shard, simulator } = run;
  const { options, webConfig, demo } = from;
  const listenAddress = options.webListenAddress ?? config.web.listen_address;
  const telemetryPath = options.webTelemetryPath ?? config.web.telemetry_path;
  let running: RunningExporter;
  try {
    const notice = demo ? { notice: { title: demo.guide.title, lines: demo.guide.lines } } : {};
    running = await runExporter(config, { logger, build, listenAddress, telemetryPath, ...shard, ...notice, ...(webConfig ? { webConfig } : {}) });
  } catch (err) {
    await simulator?.close();
    logger.error({ address: listenAddress, err: (err as Error).message }, 'cannot listen');
    process.exit(1);
  }
  // Signals are handled before anything announces the listener: a SIGTERM right after
  // the "listening" line must shut down gracefully, not kill the process.
  stopOnSignals(running, run);
  announceListening(running, { telemetryPath, targets: config.targets.length, logger, demo });
}

/** The first signal stops gracefully (the cycle in flight, then the simulator); a second exits at once. */
function stopOnSignals(running: RunningExporter, { logger, simulator }: RunContext): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      await running.stop();
      await simulator?.close();
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** The "listening" line; with --demo also the banner, with a URL a person can open and a command to paste. */
function announceListening(running: RunningExporter, what: { telemetryPath: string; targets: number; logger: Logger; demo: RunningDemo | undefined }): void {
  const { telemetryPath, logger, demo } = what;
  const shown = running.address.host.includes(':') ? `[${running.address.host}]` : running.address.host;
  logger.info({ address: `${shown}:${running.address.port}`, telemetry_path: telemetryPath, targets: what.targets }, 'dbs-exporter listening');
  if (demo) {
    const host = shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown;
    const base = `${running.security.tls ? 'https' : 'http'}://${host}:${running.address.port}`;
    const curl = running.security.tls ? 'curl -sk' : 'curl -s';
    process.stderr.write(demo.banner({ landingPage: `${base}/`, metricsCommand: `${curl} ${base}${telemetryPath} | grep ^dbs_` }));
  }
}

async function simulate(options: { port: number; host: string; seed: number; plans: number }): Promise<void> {
  const { runSimulatorMain } = await import('./simulator/index.js');
  await runSimulatorMain({ port: options.port, host: options.host, seed: options.seed, plans: options.plans });
}

export function buildProgram(): Command {
  const program = new Command()
    .name('dbs-exporter')
    .description('Prometheus exporter for Alibaba Cloud Database Backup Service (DBS)')
    .version(pkg.version, '--version')
    .option('--config <path>', 'configuration file', 'config/dbs-exporter.yaml')
    .option('--check-config', 'validate the configuration and exit (exit code 2 when invalid)')
    .option('--web.listen-address <address>', 'address to listen on, [host]:port (default from config, :9871)', webSetting('listen_address'))
    .option('--web.telemetry-path <path>', 'path under which to expose metrics (default from config, /metrics)', webSetting('telemetry_path'))
    .option('--web.config.file <path>', 'exporter-toolkit web config (TLS, basic auth, headers); reloaded when it or its certificate files change')
    .addOption(new Option('--log.level <level>', 'minimum log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .addOption(new Option('--log.format <format>', 'log line format').choices(['json', 'logfmt']).default('logfmt'))
    .option('--once', 'poll every target once, print the exposition to stdout and exit (1 if any poll failed)')
    .option('--demo', 'start the embedded DBS simulator and poll it instead of the configured targets')
    .option('--demo.port <port>', 'port of the embedded simulator (0 = any free port)', portNumber, 0)
    .option('--demo.plans <n>', 'backup plans in the embedded simulator fleet', positiveInt, DEMO_PLANS)
    .option('--shard.index <i>', 'this replica\'s shard, 0-based (with --shard.total)', nonNegativeInt, 0)
    .option('--shard.total <n>', 'replicas splitting the plans by a stable hash of account and plan id', positiveInt, 1)
    .action(async (_opts, command: Command) => {
      await main(mainOptions(command.opts()));
    });
  addSimulateCommand(program);
  addRulesCommand(program);
  return program;
}

/** Commander's parsed flags → MainOptions; dotted flags arrive under their literal key or camel-cased, depending on the name. */
function mainOptions(o: OptionValues): MainOptions {
  return {
    config: o.config,
    checkConfig: o.checkConfig,
    webListenAddress: o['web.listenAddress'] ?? o.webListenAddress,
    webTelemetryPath: o['web.telemetryPath'] ?? o.webTelemetryPath,
    webConfigFile: o['web.config.file'],
    logLevel: o['log.level'] ?? o.logLevel,
    logFormat: o['log.format'] ?? o.logFormat,
    once: o.once,
    demo: o.demo,
    demoPort: o['demo.port'] ?? o.demoPort ?? 0,
    demoPlans: o['demo.plans'] ?? o.demoPlans ?? DEMO_PLANS,
    shardIndex: o['shard.index'] ?? o.shardIndex ?? 0,
    shardTotal: o['shard.total'] ?? o.shardTotal ?? 1,
  };
}

/** `dbs-exporter simulate`: the simulator alone, loaded only when asked for. */
function addSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('run the DBS simulator alone (a local DBS OpenAPI for trying the exporter)')
    .option('--port <port>', 'port to listen on', portNumber, 19871)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--seed <n>', 'fleet seed', positiveInt, 1)
    .option('--plans <n>', 'backup plans in the fleet', positiveInt, 8)
    .action(async (opts: { port: number; host: string; seed: number; plans: number }) => {
      await simulate(opts);
    });
}

/** `dbs-exporter rules`: the shipped rules with the thresholds given by --set. */
function addRulesCommand(program: Command): void {
  program
    .command('rules')
    .description('print the Prometheus alerting and recording rules, with your thresholds (see src/rules/rules.ts)')
    .option('--set <name=value>', 'override a threshold, e.g. incrementalLagSeconds=3600 or planNotRunningFor=1h (repeatable)', collectPairs, [])
    .action(async (opts: { set: string[] }) => {
      const { DEFAULT_THRESHOLDS, renderRules } = await import('./rules/rules.js');
      process.stdout.write(renderRules(thresholdOverrides(opts.set, DEFAULT_THRESHOLDS)));
    });
}

/** `name=value` pairs → threshold overrides, typed like each default; exit 2 on an unknown name or a bad number. */
function thresholdOverrides(pairs: readonly string[], defaults: RuleThresholds): Record<string, string | number> {
  const overrides: Record<string, string | number> = {};
  for (const pair of pairs) {
    const [name, ...rest] = pair.split('=');
    const value = rest.join('=');
    if (!name || !(name in defaults) || rest.length === 0) {
      fail(`--set ${pair}: unknown threshold; known: ${Object.keys(defaults).join(', ')}`, EXIT_CONFIG);
    }
    if (typeof defaults[name as keyof RuleThresholds] === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) fail(`--set ${pair}: expected a non-negative number`, EXIT_CONFIG);
      overrides[name] = n;
    } else {
      overrides[name] = value;
    }
  }
  return overrides;
}

function collectPairs(value: string, previous: string[]): string[] {
  return [...previous, value];
}

buildProgram()
  .exitOverride()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    const code = (err as { code?: unknown }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
    // A bad flag is bad configuration: exit 2, like a bad config file (commander printed why).
    if (typeof code === 'string' && code.startsWith('commander.')) process.exit(EXIT_CONFIG);
    process.stderr.write(`dbs-exporter: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  });
