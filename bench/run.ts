/**
 * The benchmark harness: `npm run bench -- [--plans 100,1000] [--quick] [--sections scrape,poll]`.
 * For each fleet size it measures the scrape path, the poll path, memory over many cycles and
 * start-up to ready, and DBS calls per hour before and after the operational-stop sources (cost), each
 * against the in-repo simulator, and writes bench/results/latest.json
 * and latest.md (also printed). Every server, child process and simulator is closed at the end.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { describeMachine, srcHash } from './harness/machine.js';
import { RESULTS_DIR, TMP_DIR, closeAll, useRuntime } from './harness/processes.js';
import { type BenchResults, type BenchSettings, type FleetResult, renderMarkdown } from './harness/report.js';
import { benchCost } from './sections/cost.js';
import { benchMemory } from './sections/memory.js';
import { benchPoll } from './sections/poll.js';
import { benchScrape } from './sections/scrape.js';
import { benchStartup } from './sections/startup.js';

const SECTIONS = ['scrape', 'poll', 'memory', 'startup', 'cost'] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `usage: npm run bench -- [options]
  --plans <n,n,…>        fleet sizes (default 100,1000,5000; with --quick 100)
  --quick                short smoke run: 1 s per load cell, 20 memory retention cycles, 3 in-service, 15 cost minutes
  --sections <s,s,…>     any of ${SECTIONS.join(',')} (default all)
  --duration <s>         seconds of load per scrape cell (default 5; quick 1)
  --repeats <n>          runs of each in-memory and exporter scrape cell, interleaved; the median p99 is reported (default 1)
  --cycles <n>           memory retention cycles (default 200; quick 20)
  --service-cycles <n>   steady cycles of each in-service memory run, as users start it and as the image does (default 10; quick 3)
  --merge                keep the fleet sizes and sections of the previous latest.json that this run does not measure
  --cell-cap <s>         hard stop of one load cell that waits for slow answers (default 120; quick 15)
  --memory-budget <s>    wall-time cap of the memory section per fleet size (default 480; quick 60)
  --cost-minutes <n>     simulated minutes of steady 60 s cycles in the cost section, per run (default 60; quick 15; a multiple of 15, so the restore intervals divide it); under 60, per-hour figures are extrapolated and say so, and billing's hourly calls are not measured
  --cost-budget <s>      wall-time cap of each cost run (before, after) per fleet size: it stops after a multiple of 15 steady cycles when the next 15 would overrun it, and the hour is extrapolated, labelled (billing, hourly, is then not measured) (default 1800; quick 120)
  --runtime <r>          compiled (default: tsc output on plain node, as the image runs) or tsx
`;

function positiveInts(flag: string, value: string): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${flag}: expected positive whole numbers, got ${value}`);
  return list;
}

function settingsFrom(argv: string[]): BenchSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      plans: { type: 'string' },
      quick: { type: 'boolean', default: false },
      sections: { type: 'string' },
      duration: { type: 'string' },
      repeats: { type: 'string' },
      cycles: { type: 'string' },
      'service-cycles': { type: 'string' },
      'memory-budget': { type: 'string' },
      'cell-cap': { type: 'string' },
      'cost-minutes': { type: 'string' },
      'cost-budget': { type: 'string' },
      merge: { type: 'boolean', default: false },
      runtime: { type: 'string', default: 'compiled' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const sections = values.sections ? values.sections.split(',').map((s) => s.trim()) : [...SECTIONS];
  const unknown = sections.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`--sections: unknown ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  if (values.runtime !== 'compiled' && values.runtime !== 'tsx') throw new Error(`--runtime: expected compiled or tsx, got ${values.runtime}`);
  const one = (flag: string, value: string | undefined, fallback: number) => (value === undefined ? fallback : positiveInts(flag, value)[0]!);
  return {
    quick,
    merge: values.merge ?? false,
    plans: values.plans ? positiveInts('--plans', values.plans) : quick ? [100] : [100, 1000, 5000],
    sections,
    durationS: one('--duration', values.duration, quick ? 1 : 5),
    connections: [1, 4, 16],
    repeats: one('--repeats', values.repeats, 1),
    cellCapS: one('--cell-cap', values['cell-cap'], quick ? 15 : 120),
    cycles: one('--cycles', values.cycles, quick ? 20 : 200),
    serviceCycles: one('--service-cycles', values['service-cycles'], quick ? 3 : 10),
    memoryBudgetS: one('--memory-budget', values['memory-budget'], quick ? 60 : 480),
    costMinutes: one('--cost-minutes', values['cost-minutes'], quick ? 15 : 60),
    costBudgetS: one('--cost-budget', values['cost-budget'], quick ? 120 : 1800),
    runtime: values.runtime,
  };
}

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function runSection(section: Section, plans: number, settings: BenchSettings, fleet: FleetResult): Promise<void> {
  switch (section) {
    case 'scrape':
      fleet.scrape = await benchScrape({ plans, durationS: settings.durationS, capS: settings.cellCapS, connections: settings.connections, repeats: settings.repeats, log });
      return;
    case 'poll':
      fleet.poll = await benchPoll({ plans, log });
      return;
    case 'memory':
      fleet.memory = await benchMemory({ plans, cycles: settings.cycles, budgetS: settings.memoryBudgetS, serviceCycles: settings.serviceCycles ?? 10, log });
      return;
    case 'startup':
      fleet.startup = await benchStartup({ plans, log });
      return;
    case 'cost':
      fleet.cost = await benchCost({ plans, steadyMinutes: settings.costMinutes ?? 60, budgetS: settings.costBudgetS ?? 1800, log });
      return;
  }
}

/** The fleets of the previous run (--merge), oldest settings kept in their own results. */
async function previousFleets(): Promise<FleetResult[]> {
  try {
    return (JSON.parse(await readFile(join(RESULTS_DIR, 'latest.json'), 'utf8')) as BenchResults).fleets;
  } catch {
    return [];
  }
}

/** A fleet size measured again: with --merge, the sections this run does not measure are kept from the previous one. */
function startFleet(plans: number, previous: FleetResult | undefined, sections: readonly string[]): FleetResult {
  const fleet: FleetResult = { plans, errors: {}, wallS: {}, loadAverage: {} };
  if (!previous) return fleet;
  const keptSections: NonNullable<FleetResult['keptSections']> = {};
  for (const section of SECTIONS) {
    if (sections.includes(section) || previous[section] === undefined) continue;
    Object.assign(fleet, { [section]: previous[section] });
    keptSections[section] = previous.keptSections?.[section] ?? previous.src;
    if (previous.wallS[section] !== undefined) fleet.wallS[section] = previous.wallS[section]!;
    if (previous.loadAverage[section] !== undefined) fleet.loadAverage[section] = previous.loadAverage[section]!;
  }
  if (Object.keys(keptSections).length > 0) fleet.keptSections = keptSections;
  return fleet;
}

async function save(results: BenchResults): Promise<string> {
  const markdown = renderMarkdown(results);
  await writeFile(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, 'latest.md'), markdown);
  return markdown;
}

async function main(): Promise<void> {
  const settings = settingsFrom(process.argv.slice(2));
  await mkdir(TMP_DIR, { recursive: true });
  log(`runtime: ${await useRuntime(settings.runtime ?? 'compiled')}`);
  const previous = settings.merge ? await previousFleets() : [];
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    machine: describeMachine(),
    settings,
    fleets: previous.filter((f) => !settings.plans.includes(f.plans)),
  };
  log(`${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}; plans ${settings.plans.join(', ')}; sections ${settings.sections.join(', ')}`);
  for (const plans of settings.plans) {
    const fleet = startFleet(
      plans,
      previous.find((f) => f.plans === plans),
      settings.sections,
    );
    const before = srcHash();
    results.fleets.push(fleet);
    results.fleets.sort((a, b) => a.plans - b.plans);
    for (const section of settings.sections as Section[]) {
      const started = performance.now();
      const loadBefore = loadavg()[0]!;
      try {
        await runSection(section, plans, settings, fleet);
      } catch (err) {
        fleet.errors[section] = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`${section} ${plans} failed: ${fleet.errors[section]}`);
        await closeAll();
      }
      fleet.wallS[section] = (performance.now() - started) / 1000;
      fleet.loadAverage[section] = [loadBefore, loadavg()[0]!];
      log(`${section} ${plans}: ${fleet.wallS[section]!.toFixed(0)} s`);
      fleet.src = { before, after: srcHash(), commit: describeMachine().commit };
      await save(results); // partial results survive an interrupted run
    }
  }
  process.stdout.write(await save(results));
  if (results.fleets.some((f) => Object.keys(f.errors).length > 0)) process.exitCode = 1;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: closing servers, children and simulators`);
    void closeAll().finally(() => rm(TMP_DIR, { recursive: true, force: true }).finally(() => process.exit(130)));
  });
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    process.exitCode = 2;
  })
  .finally(async () => {
    await closeAll();
    await rm(TMP_DIR, { recursive: true, force: true });
  });
