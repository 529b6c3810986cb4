/** The results as short Markdown tables, one per section. */
import { type CostResult, type CostRun, NEW_ACTIONS, RESTORE_ACTIONS } from '../sections/cost.js';
import type { MemoryResult } from '../sections/memory.js';
import type { PollResult } from '../sections/poll.js';
import { SCRAPE_SERVERS, type ScrapeResult, type ScrapeRun } from '../sections/scrape.js';
import type { StartupResult } from '../sections/startup.js';
import type { EventLoopDelay } from './ipc.js';
import type { Machine } from './machine.js';
import { median, ratio } from './stats.js';

export interface BenchSettings {
  quick: boolean;
  /** Fleets of the previous results not measured in this run were kept (their settings may differ). */
  merge: boolean;
  plans: number[];
  sections: string[];
  durationS: number;
  connections: number[];
  /** Runs per in-memory/exporter scrape cell (absent in results from before --repeats: 1). */
  repeats?: number;
  cellCapS: number;
  cycles: number;
  /** Steady cycles of each in-service memory run (absent in results from before it existed). */
  serviceCycles?: number;
  memoryBudgetS: number;
  /** Simulated minutes of steady cycles per cost run (absent in results from before the section existed). */
  costMinutes?: number;
  /** Wall-time cap of each cost run (s). */
  costBudgetS?: number;
  /** How measured processes ran (absent in results from before the option existed: tsx). */
  runtime?: 'compiled' | 'tsx';
}

export interface FleetResult {
  plans: number;
  scrape?: ScrapeResult;
  poll?: PollResult;
  memory?: MemoryResult;
  startup?: StartupResult;
  cost?: CostResult;
  /** Section → error message, when a section failed (the others still ran). */
  errors: Record<string, string>;
  /** Section → wall seconds. */
  wallS: Record<string, number>;
  /** srcHash() when this fleet size started and ended; they differ if src/ changed meanwhile. */
  src?: { before: string; after: string; commit: string };
  /** Section → 1-minute load average when it started and ended: other work on the machine skews everything. */
  loadAverage: Record<string, [number, number]>;
  /** Sections kept from an earlier run of this fleet size (--merge with --sections), with the code they measured. */
  keptSections?: Record<string, { before: string; after: string; commit: string } | undefined>;
}

export interface BenchResults {
  startedAt: string;
  machine: Machine;
  settings: BenchSettings;
  fleets: FleetResult[];
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function num(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
const kib = (bytes: number) => `${num(bytes / 1024, 1)} KiB`;
const mib = (bytes: number) => `${num(bytes / 2 ** 20, 1)} MiB`;
const signedKib = (bytes: number) => (Number.isFinite(bytes) ? `${bytes >= 0 ? '+' : ''}${num(bytes / 1024, 1)}` : '–');

/** One cell over its repeats: medians of p99, req/s and server-side p99 (a single run is its own median). */
interface Cell {
  p99Ms: number;
  requestsPerSecond: number;
  serverSideP99Ms: number;
  p99s: number[];
}

function find(runs: ScrapeRun[], server: ScrapeRun['server'], gzip: boolean, connections: number): Cell | undefined {
  const mine = runs.filter((r) => r.server === server && r.gzip === gzip && r.connections === connections);
  if (mine.length === 0) return undefined;
  return {
    p99Ms: median(mine.map((r) => r.p99Ms)),
    requestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
    serverSideP99Ms: median(mine.map((r) => r.serverSide?.p99Ms ?? Number.NaN)),
    p99s: mine.map((r) => r.p99Ms),
  };
}

function scrapeSection(fleets: FleetResult[], settings: BenchSettings): string {
  const scrapes = fleets.flatMap((f) => (f.scrape ? [f.scrape] : []));
  if (scrapes.length === 0) return '';
  const out = ['## 1. Scrape path', ''];
  out.push(
    table(
      ['plans', 'series', 'dbs_ series', 'exposition', 'gzip (zlib default)', 'exporter gzip response', 'bytes served: in-memory / exporter / register.metrics()'],
      scrapes.map((s) => [
        int(s.plans),
        int(s.series),
        int(s.dbsSeries),
        kib(s.exposition.plainBytes),
        kib(s.exposition.gzipBytes),
        `${kib(s.exposition.exporterGzipResponseBytes)} (${s.exposition.exporterGzipEncoding})`,
        SCRAPE_SERVERS.map((server) => int(s.servedBytes[server])).join(' / '),
      ]),
    ),
  );
  out.push(
    '',
    `Ratios of /metrics p99 latency, ${settings.durationS} s of autocannon per cell` +
      ((settings.repeats ?? 1) > 1 ? `, in-memory and exporter cells run ${settings.repeats} times interleaved, ratios of the median p99 (register.metrics() once, after all of them)` : '') +
      ' (req/s ratio: exporter ÷ in-memory). ' +
      'Server-side: the same ratio of response times measured inside each server (request read → last byte handed to the kernel), ' +
      'free of how fast the load generator reads.',
    '',
  );
  const ratioRows: Array<Array<string | number>> = [];
  for (const s of scrapes) {
    for (const gzip of [false, true]) {
      for (const c of settings.connections) {
        const memory = find(s.runs, 'in-memory', gzip, c);
        const exporter = find(s.runs, 'exporter', gzip, c);
        const registry = find(s.runs, 'register.metrics()', gzip, c);
        if (!memory || !exporter || !registry) continue;
        ratioRows.push([
          int(s.plans),
          gzip ? 'gzip' : 'plain',
          c,
          num(ratio(exporter.p99Ms, memory.p99Ms)),
          num(ratio(registry.p99Ms, exporter.p99Ms)),
          num(ratio(exporter.requestsPerSecond, memory.requestsPerSecond), 3),
          num(ratio(exporter.serverSideP99Ms, memory.serverSideP99Ms)),
          exporter.p99s.length > 1 ? exporter.p99s.map((v, i) => num(ratio(v, memory.p99s[i] ?? Number.NaN))).join(' / ') : '–',
        ]);
      }
    }
  }
  out.push(
    table(
      ['plans', 'encoding', 'conns', 'exporter p99 ÷ in-memory p99', 'register.metrics() p99 ÷ exporter p99', 'exporter req/s ÷ in-memory req/s', 'server-side p99: exporter ÷ in-memory', 'p99 ratio of each repeat (side by side)'],
      ratioRows,
    ),
  );
  out.push(
    '',
    'Absolute values. Event loop: delay inside the server process while the load ran. On-CPU max: of all stalls (gaps over 10 ms between ' +
      "ticks of a 5 ms sampler in the server process), the most time its main thread spent on a CPU within one (schedstat): the longest the process's own work held the loop; " +
      'the split of the longest stall covers its whole gap (delay + 5 ms): on a CPU / runnable but waiting for one (both cores busy with the load generator and the other children) / GC pauses within it; ' +
      "the rest the thread was neither (asleep, or the VM's vCPU held by the hypervisor: steal).",
    '',
  );
  const rows: Array<Array<string | number>> = [];
  for (const s of scrapes) {
    for (const r of s.runs) {
      rows.push([
        int(s.plans),
        r.repeat !== undefined && (settings.repeats ?? 1) > 1 ? `${r.server} #${r.repeat + 1}` : r.server,
        r.gzip ? 'gzip' : 'plain',
        r.connections,
        int(r.responses),
        num(r.p50Ms),
        num(r.p99Ms),
        num(r.requestsPerSecond, 1),
        kib(r.bytesPerResponse),
        num(r.eventLoop.maxMs, 1),
        num(r.eventLoop.p99Ms, 1),
        stallCell(r.eventLoop),
        num(r.serverSide?.p99Ms ?? Number.NaN),
        r.errors + r.non2xx,
      ]);
    }
  }
  out.push(table(['plans', 'server', 'encoding', 'conns', 'responses', 'p50 ms', 'p99 ms', 'req/s', 'per response', 'loop max ms', 'loop p99 ms', 'on-CPU max ms (longest stall: on CPU / waiting / GC)', 'server-side p99 ms', 'errors'], rows));
  out.push('', 'Worst event-loop block in the exporter process while autocannon ran against it (all cells).', '');
  out.push(
    table(
      ['plans', 'loop max ms', 'worst cell loop p99 ms', 'on-CPU max ms (most own work in one stall)'],
      scrapes.map((s) => {
        const mine = s.runs.filter((r) => r.server === 'exporter');
        const onCpu = mine.flatMap((r) => (r.eventLoop.maxOnCpuMs === undefined ? [] : [r.eventLoop.maxOnCpuMs]));
        return [
          int(s.plans),
          num(Math.max(...mine.map((r) => r.eventLoop.maxMs)), 1),
          num(Math.max(...mine.map((r) => r.eventLoop.p99Ms)), 1),
          onCpu.length > 0 ? num(Math.max(...onCpu), 1) : '–',
        ];
      }),
    ),
  );
  return out.join('\n');
}

/** On-CPU max of a cell and the split of its longest stall; '–' in results from before the sampler. */
export function stallCell(eventLoop: EventLoopDelay): string {
  const s = eventLoop.longestStall;
  if (eventLoop.maxOnCpuMs === undefined) return '–';
  if (!s) return 'no stall over 10 ms';
  return `${num(eventLoop.maxOnCpuMs, 1)} (${num(s.wallMs, 0)}: ${num(s.onCpuMs, 0)} / ${num(s.waitingMs, 0)} / ${num(s.gcMs, 0)})`;
}

function pollSection(fleets: FleetResult[]): string {
  const polls = fleets.flatMap((f) => (f.poll ? [f.poll] : []));
  if (polls.length === 0) return '';
  const first = polls[0]!;
  const cap = first.limits.requestsPerSecond;
  const limit = first.limits.requestsPerSecond + first.limits.burst;
  const out = [
    '## 2. Poll path',
    '',
    `Latency fault ${first.latencyMs[0]}–${first.latencyMs[1]} ms on every call; requests_per_second ${first.limits.requestsPerSecond}, burst ${first.limits.burst}, ` +
      `max_concurrency ${first.limits.maxConcurrency}. Floor = calls ÷ rate. Calls counted by the simulator. The exporter grants at most ` +
      `requests_per_second (${cap}) calls in any rolling 1.01 s. "Sent" is the most requests the exporter's process created in any 1 s ` +
      `(node's http.client.request.start, inside the exporter); "arrived" is the most the simulator logged in any 1 s, stamped when ` +
      `the simulator's event loop (in the harness process) reads the request, so its own stalls bunch them; rate + burst (${limit}) is ` +
      `the token bucket's own bound.`,
    '',
  ];
  const rows: Array<Array<string | number>> = [];
  for (const p of polls) {
    for (const c of p.cycles) {
      rows.push([
        int(p.plans),
        c.kind,
        int(c.calls),
        [c.callsByAction.DescribeBackupPlanList, c.callsByAction.DescribeFullBackupList, c.callsByAction.DescribeIncrementBackupList].map((n) => int(n ?? 0)).join(' / '),
        num(c.callsPerPlanAndType, 3),
        num(c.wallS, 1),
        num(c.floorS, 1),
        num(c.wallOverFloor),
        c.departures ? `${c.departures.maxPerSecond} (cap ${cap})` : '–',
        `${c.maxCallsPerSecond}; ${c.maxCallsPer980Ms ?? '–'} in 980 ms`,
        num(c.eventLoop.maxMs, 1),
        `${c.planFailures + c.targetFailures} / ${c.non200}`,
      ]);
    }
  }
  out.push(
    table(
      ['plans', 'cycle', 'calls', 'PlanList / Full / Increment', 'calls ÷ (plans × 2)', 'wall s', 'floor s', 'wall ÷ floor', 'most sent in any 1 s', 'most arrived in any 1 s', 'loop max ms', 'failed polls / non-200'],
      rows,
    ),
  );
  return out.join('\n');
}

function memorySection(fleets: FleetResult[]): string {
  const memories = fleets.flatMap((f) => (f.memory ? [f.memory] : []));
  if (memories.length === 0) return '';
  const out = ['## 3. Memory', ''];
  const services = memories.flatMap((m) => (m.inService ?? []).map((run) => ({ plans: m.plans, run })));
  if (services.length > 0) {
    out.push(
      '### In service, as users start it and as the image does',
      '',
      'The CLI in a child process polling the simulator on the real clock (10 s interval: at 5,000 plans cycles run back to back), scraped gzip every 5 s; RSS read from /proc every 500 ms (garbage V8 has not collected yet included, as a memory limit counts it); heap spaces from the exporter\'s own `nodejs_heap_*` series on each scrape. "as users start it": plain `node dist/cli.js`, no NODE_OPTIONS, so only what the program sets itself (src/runtime.ts); "image": with the Dockerfile\'s environment.',
      '',
      table(
        ['plans', 'started', 'steady cycles', 'steady cycle s', 'RSS after first cycle', 'RSS steady min / median / max', 'peak RSS (whole run)', 'new / old space max', 'heap total max', 'CPU s per cycle', 'note'],
        services.map(({ plans, run }) => [
          int(plans),
          run.startedWith,
          int(run.cyclesRun),
          num(run.steadyCycleMedianS, 1),
          mib(run.rssAtReadyBytes),
          `${mib(run.rssSteadyMinBytes)} / ${mib(run.rssSteadyP50Bytes)} / **${mib(run.rssSteadyMaxBytes)}**`,
          mib(run.peakRssBytes),
          `${mib(run.newSpaceMaxBytes)} / ${mib(run.oldSpaceMaxBytes)}`,
          mib(run.heapTotalMaxBytes),
          num(run.cpuSecondsPerCycle, 1),
          [run.cut, run.failedScrapes > 0 ? `${run.failedScrapes} of ${run.scrapes} scrapes failed` : ''].filter(Boolean).join('; '),
        ]),
      ),
      '',
    );
  }
  out.push(
    '### Retention over many cycles',
    '',
    `Exporter process (bench/server-child.ts, createExporter) started with --expose-gc, and either as users start it (no NODE_OPTIONS; src/runtime.ts imported first, as cli.ts does) or, in older results, with the image's environment; manual clock, +60 s per cycle, no latency; after every cycle one gzip scrape, as Prometheus makes (so the rendered exposition is held as in service; a plain-text scraper adds the plain exposition size of section 1); samples every 10 cycles, after a forced GC and 1 s for the heap to hand pages back; slope = least squares over cycles ≥ 10; RSS before GC = the highest RSS read just before a sample's forced GC, cycles ≥ 10 (one reading per sample, right after a scrape: uncollected garbage included, as a container limit would count it; not the peak, which is the next column); peak = the process's maximum RSS (getrusage) over the whole run, first cycle included.`,
    '',
  );
  out.push(
    table(
      ['plans', 'started', 'cycles run', 'first cycle s', 'steady cycle s', 'RSS after first', 'heap after first', 'RSS at end', 'heap at end', 'off-heap buffers at end', 'RSS before GC (max, cycles ≥ 10)', 'peak RSS', 'RSS slope KiB/cycle', 'heap slope KiB/cycle', 'note'],
      memories.map((m) => {
        const last = m.samples.at(-1)!;
        return [
          int(m.plans),
          m.retentionStart === 'user' ? 'as users start it' : 'image environment',
          `${m.cyclesRun} of ${m.cyclesRequested}`,
          num(m.firstCycleWallS, 1),
          num(m.steadyCycleWallS, 2),
          mib(m.afterFirst.rssBytes),
          mib(m.afterFirst.heapUsedBytes),
          mib(last.rssBytes),
          mib(last.heapUsedBytes),
          last.arrayBuffersBytes !== undefined ? mib(last.arrayBuffersBytes) : '–',
          rssBeforeGcMax(m),
          last.maxRssBytes !== undefined ? mib(last.maxRssBytes) : '–',
          signedKib(m.rssSlopeBytesPerCycle),
          signedKib(m.heapUsedSlopeBytesPerCycle),
          [m.cut, m.samples.filter((x) => x.cycle >= 10).length < 2 ? 'too few samples past cycle 10 for a slope' : '', m.planFailures > 0 ? `${m.planFailures} failed polls` : '']
            .filter(Boolean)
            .join('; ') || '',
        ];
      }),
    ),
  );
  return out.join('\n');
}

function rssBeforeGcMax(m: MemoryResult): string {
  const values = m.samples.filter((x) => x.cycle >= 10 && x.rssBeforeGcBytes !== undefined).map((x) => x.rssBeforeGcBytes!);
  return values.length > 0 ? mib(Math.max(...values)) : '–';
}

function startupSection(fleets: FleetResult[]): string {
  const startups = fleets.flatMap((f) => (f.startup ? [f.startup] : []));
  if (startups.length === 0) return '';
  return [
    '## 4. Start-up to ready',
    '',
    '`dbs-exporter --config …` (the CLI, compiled or through tsx as the header says) against a fresh simulator (requests_per_second 1000, max_concurrency 32, no latency).',
    '',
    table(
      ['plans', 'spawn → /-/healthy s', 'spawn → /-/ready s', 'API calls'],
      startups.map((s) => [int(s.plans), num(s.healthyS), num(s.readyS), int(s.apiCalls)]),
    ),
  ].join('\n');
}

/** Backup actions first, then the restore sources' actions, then the operational-stop sources', then anything else. */
const ACTION_ORDER = ['DescribeBackupPlanList', 'DescribeFullBackupList', 'DescribeIncrementBackupList', ...RESTORE_ACTIONS, ...Object.keys(NEW_ACTIONS)];
const actionRank = (name: string) => (ACTION_ORDER.includes(name) ? ACTION_ORDER.indexOf(name) : ACTION_ORDER.length);

/** after ÷ before of two counts: '–' when both are 0, "new" when only after calls it. */
function costRatio(after: number, before: number): string {
  if (before === 0) return after === 0 ? '–' : 'new';
  return `× ${num(after / before, 3)}`;
}

export interface CostBound {
  /** The bound over the measured steady span, and what was measured over it. */
  allowed: number;
  measured: number;
  within: boolean;
  /** How the bound was formed, per hour (or over the span when it cannot be scaled). */
  text: string;
}

/**
 * The design's bound for one action over a run's steady cycles (docs/design/operational-stops.md;
 * older results: the restore sources' per-plan intervals):
 *  - per plan per interval: plans × (steady seconds ÷ interval) + pages beyond the first;
 *  - DescribeBackupGatewayList: targets × cycles + pages beyond the first;
 *  - DescribeJobErrorCode: min(fulls that failed in the span, max_per_cycle × cycles), and the same
 *    with the failed fulls the first cycle found but its budget left for later (the backlog), and
 *    max_per_cycle in any one cycle.
 */
export function newActionBound(cost: CostResult, action: string, run: CostRun): CostBound | undefined {
  const a = run.actions[action];
  const measured = a?.steady ?? 0;
  const pages = a?.steadyExtraPages ?? 0;
  const spanS = run.steadyCycles * cost.collectionIntervalS;
  const perHour = 3600 / spanS;
  const intervalS = cost.newActionIntervalS[action];
  if (intervalS !== undefined) {
    const allowed = cost.plans * (spanS / intervalS) + pages;
    const scaled = spanS % intervalS === 0 || intervalS % spanS === 0;
    const note = spanS < intervalS ? ` *over ${num(spanS / 60, 0)} min, shorter than the interval: not scaled*` : '';
    const shown = (n: number) => int(spanS < intervalS ? n : n * perHour);
    return {
      allowed,
      measured,
      within: measured <= allowed,
      text: `${measured <= allowed ? '✓' : '**✗ over**'} ${shown(measured)} ≤ ${int(cost.plans)} × ${num(spanS < intervalS ? spanS / intervalS : 3600 / intervalS, 2)} + ${shown(pages)} = ${shown(allowed)} (interval ${num(intervalS / 60, 0)} min)${scaled ? '' : ' (span not a multiple of the interval)'}${note}`,
    };
  }
  if (action === 'DescribeBackupGatewayList' && cost.targets !== undefined) {
    const allowed = cost.targets * run.steadyCycles + pages;
    return {
      allowed,
      measured,
      within: measured <= allowed,
      text: `${measured <= allowed ? '✓' : '**✗ over**'} ${int(measured * perHour)} ≤ ${cost.targets} target × ${num(run.steadyCycles * perHour, 0)} cycles + ${int(pages * perHour)} = ${int(allowed * perHour)}${cost.gatewaysInFleet !== undefined ? ` (${cost.gatewaysInFleet} gateways in the region: ${Math.max(1, Math.ceil(cost.gatewaysInFleet / 100))} page)` : ''}`,
    };
  }
  if (action === 'DescribeJobErrorCode' && run.jobErrors && cost.jobErrorsMaxPerCycle !== undefined) {
    const j = run.jobErrors;
    const cap = cost.jobErrorsMaxPerCycle * run.steadyCycles;
    const literal = Math.min(j.fullsFailedInSpan, cap);
    const backlogLeft = Math.max(0, j.plansFailedAtFirstCycle - (a?.firstCycle ?? 0));
    const allowed = Math.min(backlogLeft + j.fullsFailedInSpan, cap);
    const perCycleOk = (a?.steadyPerCycleMax ?? 0) <= cost.jobErrorsMaxPerCycle && (a?.firstCycle ?? 0) <= cost.jobErrorsMaxPerCycle;
    const within = measured <= allowed && perCycleOk && j.distinctTasks === j.calls;
    const mark = (ok: boolean) => (ok ? '✓' : '**✗ over**');
    const span = spanS === 3600 ? 'the hour' : `the ${num(spanS / 60, 0)} min`;
    return {
      allowed,
      measured,
      within,
      text:
        `${mark(measured <= literal)} ${int(measured)} ≤ min(${int(j.fullsFailedInSpan)} fulls failed in ${span}, ${cost.jobErrorsMaxPerCycle} × ${run.steadyCycles} cycles = ${int(cap)}) = ${int(literal)}; ` +
        `counting the first cycle's backlog (${int(j.plansFailedAtFirstCycle)} plans with a failed full listed, ${int(a?.firstCycle ?? 0)} asked then): ${mark(measured <= allowed)} ${int(measured)} ≤ min(${int(backlogLeft)} + ${int(j.fullsFailedInSpan)}, ${int(cap)}) = ${int(allowed)}; ` +
        `most in one cycle ${a?.steadyPerCycleMax ?? 0} (first ${a?.firstCycle ?? 0}) ${mark(perCycleOk)} ≤ ${cost.jobErrorsMaxPerCycle}; ` +
        `asked in ${span}: ${int(j.steadyAskedBacklog)} failed before the first cycle, ${int(j.steadyAskedInSpan)} in ${span}${j.steadyAskedUnknown ? `, ${int(j.steadyAskedUnknown)} unknown to the fleet` : ''}; ` +
        `${int(j.distinctTasks)} distinct tasks in ${int(j.calls)} calls${j.distinctTasks === j.calls ? '' : ' **(a task asked twice)**'} (not scaled)`,
    };
  }
  return undefined;
}

function answersText(answers: Record<string, number> | undefined, scale: number): string {
  const entries = Object.entries(answers ?? {});
  return entries.length === 0 ? '0' : entries.map(([key, n]) => `${int(n * scale)} × ${key}`).join(', ');
}

function costSection(fleets: FleetResult[]): string {
  const costs = fleets.flatMap((f) => (f.cost ? [f.cost] : []));
  if (costs.length === 0) return '';
  const out = [
    '## 5. DBS calls per hour, before and after the operational-stop sources',
    '',
    'The exporter (createExporter, in a child) and the simulator on manual clocks moved 60 s together per cycle, collection interval 60 s: ' +
      'the first (lookback) cycle, then steady cycles for the simulated minutes said per fleet size (60 = one hour; fewer = measured and scaled to an hour, labelled *extrapolated*). ' +
      "Calls counted per action by the simulator's request log; no latency fault; rate limit at the schema's maximum. " +
      "**before**: `billing`, `gateways` and `job_errors` `enabled: false` (the exporter as shipped before those sources existed, restore sources on); **after**: the defaults. " +
      'Bounds (checked here, not asserted): DescribeBackupPlanBilling ≤ plans × (3600 ÷ its interval); DescribeBackupGatewayList ≤ targets × cycles; ' +
      "DescribeJobErrorCode ≤ min(fulls that failed in the span, as the simulator's fleet says, max_per_cycle × cycles), and at most max_per_cycle in any cycle; each + one call per page beyond the first. " +
      "Results from before this section measured the operational-stop sources show the restore sources' bound (plans × 3600 ÷ interval).",
    '',
  ];
  const rows: Array<Array<string | number>> = [];
  const runRows: Array<Array<string | number>> = [];
  for (const c of costs) {
    const before = c.runs.find((r) => r.label === 'before');
    const after = c.runs.find((r) => r.label === 'after');
    // Per hour: × 3600 ÷ the steady seconds each run measured (1 when it ran the hour).
    const hourly = (r: CostRun | undefined) => (r ? 3600 / (r.steadyCycles * c.collectionIntervalS) : Number.NaN);
    const spans = [...new Set(c.runs.map((r) => r.steadyCycles * c.collectionIntervalS))];
    const span = spans.map((seconds) => (seconds === 3600 ? '1 h measured' : `*extrapolated*: ${num(seconds / 60, 0)} min measured × ${num(3600 / seconds, 2)}`)).join(' / ');
    const names = [...new Set(c.runs.flatMap((r) => Object.keys(r.actions)))].sort((a, b) => actionRank(a) - actionRank(b) || a.localeCompare(b));
    const pair = (f: (r: CostRun) => string) => `${before ? f(before) : '–'} / ${after ? f(after) : '–'}`;
    for (const name of names) {
      const steady = (r: CostRun | undefined) => (r?.actions[name]?.steady ?? 0) * hourly(r);
      const bound = after ? newActionBound(c, name, after) : undefined;
      rows.push([
        int(c.plans),
        name,
        pair((r) => int(r.actions[name]?.firstCycle ?? 0)),
        pair((r) => int(steady(r))),
        pair((r) => num(steady(r) / c.plans, 3)),
        costRatio(steady(after), steady(before)),
        pair((r) => int((r.actions[name]?.steadyExtraPages ?? 0) * hourly(r))),
        pair((r) => `${answersText(r.actions[name]?.firstCycleAnswers, 1)} + ${answersText(r.actions[name]?.steadyAnswers, hourly(r))}`),
        bound?.text ?? '',
        '',
      ]);
    }
    const total = (r: CostRun | undefined) => (r?.steadyCalls ?? 0) * hourly(r);
    rows.push([
      int(c.plans),
      '**all actions**',
      pair((r) => int(r.firstCycleCalls)),
      pair((r) => `**${int(total(r))}**`),
      pair((r) => num(total(r) / c.plans, 3)),
      `**${costRatio(total(after), total(before))}**`,
      pair((r) => int(Object.values(r.actions).reduce((n, a) => n + a.steadyExtraPages, 0) * hourly(r))),
      '',
      '',
      span,
    ]);
    for (const r of c.runs) {
      runRows.push([
        int(c.plans),
        r.label,
        r.collection.length > 0 ? r.collection.map((line) => `\`${line}\``).join(' ') : 'defaults',
        `${r.steadyCycles} (${num((r.steadyCycles * c.collectionIntervalS) / 60, 0)} simulated min)`,
        num(r.firstCycleWallS, 1),
        `${num(r.steadyCycleMeanWallS, 2)} / ${num(r.steadyCycleMaxWallS, 2)}`,
        num(r.wallS, 0),
        `${r.failedPolls} / ${r.non200}`,
        Object.keys(NEW_ACTIONS)
          .map((name) => {
            const a = r.actions[name];
            const short = name.replace(/^Describe/, '');
            return a ? `${short}: ${a.steadyCyclesCalled} cycles, ${a.steadyPerCycleMin}–${a.steadyPerCycleMax} per cycle` : `${short}: never`;
          })
          .join('; '),
        [r.cut ?? '', r.logOverflow ? 'request log overflowed: pages beyond the first undercounted' : '', ...r.errors].filter(Boolean).join('; '),
      ]);
    }
  }
  out.push(
    table(
      [
        'plans',
        'action',
        'first cycle: before / after',
        'per steady hour: before / after',
        'per plan per hour: before / after',
        'after ÷ before (per hour)',
        'pages beyond the first per hour: before / after',
        'answers other than 200, first cycle + per hour: before / after',
        'bound (new actions, after)',
        'steady span',
      ],
      rows,
    ),
    '',
    'The runs (wall times on this machine: they depend on CPU contention, the call counts do not).',
    '',
    table(['plans', 'run', 'collection settings', 'steady cycles', 'first cycle s', 'steady cycle s mean / max', 'run wall s', 'failed polls / non-200 answers', 'new actions in steady cycles', 'note'], runRows),
  );
  return out.join('\n');
}

function wallSection(fleets: FleetResult[], sections: string[]): string {
  const cell = (f: FleetResult, s: string) => {
    const load = f.loadAverage[s];
    return `${num(f.wallS[s] ?? Number.NaN, 0)}${load ? ` (load ${num(load[0], 1)}→${num(load[1], 1)})` : ''}`;
  };
  const rows = fleets.map((f) => {
    const total = Object.values(f.wallS).reduce((a, b) => a + b, 0);
    return [int(f.plans), ...sections.map((s) => cell(f, s)), num(total, 0)];
  });
  const failures = fleets.flatMap((f) => Object.entries(f.errors).map(([section, error]) => `- ${f.plans} plans, ${section}: ${error.split('\n')[0]}`));
  return ['## Wall time (s), with the 1-minute load average before → after', '', table(['plans', ...sections, 'total'], rows), ...(failures.length > 0 ? ['', '**Failed sections**', '', ...failures] : [])].join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const s = results.settings;
  const head = [
    '# dbs-exporter benchmark',
    '',
    `${results.startedAt} · ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} · Linux ${m.kernel} · commit ${m.commit}${m.dirtySrc ? ' (src/ modified)' : ''}, src ${m.srcHash}` +
      ` · ${s.quick ? 'quick' : 'full'} run: ${s.durationS} s per load cell, connections ${s.connections.join('/')}` +
        ` · measured processes: ${s.runtime === 'compiled' ? 'compiled JavaScript on plain node (as in the image)' : 'TypeScript through tsx'}`,
  ];
  const trees = new Set(results.fleets.flatMap((f) => (f.src ? [f.src.before, f.src.after] : [])));
  const unknownTree = results.fleets.some((f) => !f.src) && trees.size > 0;
  if (trees.size > 1 || unknownTree) {
    head.push(
      '',
      `**Warning:** not every fleet size measured the same code: ${results.fleets
        .map((f) => `${f.plans} plans: src ${f.src ? (f.src.before === f.src.after ? f.src.before : `${f.src.before}→${f.src.after} (changed during the run)`) : 'unknown'} at ${f.src?.commit ?? '?'}`)
        .join('; ')}. Compare across fleet sizes with care.`,
    );
  }
  if (s.merge) head.push('', `Merged: this run measured ${s.plans.join(', ')} plans (sections ${s.sections.join(', ')}); other fleet sizes and sections are kept from the previous results (same harness, an earlier run).`);
  for (const f of results.fleets) {
    const kept = Object.entries(f.keptSections ?? {});
    if (kept.length === 0) continue;
    head.push(
      '',
      `**Note:** ${f.plans} plans: ${kept.map(([section, src]) => `${section} was measured by an earlier run (src ${src?.before ?? 'unknown'} at ${src?.commit ?? '?'})`).join('; ')}; the other sections by this one.`,
    );
  }
  const maxLoad = Math.max(0, ...results.fleets.flatMap((f) => Object.values(f.loadAverage).flat()));
  if (maxLoad > m.cores) {
    head.push('', `**Warning:** the 1-minute load average reached ${num(maxLoad, 1)} on ${m.cores} cores: other processes competed for the CPU, so absolute values (and, less so, ratios) are skewed.`);
  }
  const header = head.join('\n');
  return [header, scrapeSection(results.fleets, s), pollSection(results.fleets), memorySection(results.fleets), startupSection(results.fleets), costSection(results.fleets), wallSection(results.fleets, s.sections)]
    .filter((part) => part !== '')
    .join('\n\n')
    .concat('\n');
}
