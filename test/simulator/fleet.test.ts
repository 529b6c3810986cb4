import { describe, expect, it } from 'vitest';
import { DAY, Fleet, HOUR, MINUTE, ManualClock, type BackupPlan } from '../../src/simulator/index.js';

const T0 = Date.UTC(2026, 10, 28, 5, 20); // a Saturday

function demoFleet(seed = 7) {
  const clock = new ManualClock(T0);
  const fleet = new Fleet(clock, { seed });
  const byName = (fragment: string): BackupPlan => {
    const plan = fleet.listPlans().find((p) => p.name.includes(fragment));
    if (!plan) throw new Error(`no plan named like ${fragment}`);
    return plan;
  };
  return { clock, fleet, byName };
}

describe('demo fleet', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = demoFleet(7).fleet;
    const b = demoFleet(7).fleet;
    const c = demoFleet(8).fleet;
    expect(a.listPlans()).toEqual(b.listPlans());
    for (const plan of a.listPlans()) {
      expect(a.fullBackups(plan.id)).toEqual(b.fullBackups(plan.id));
      expect(a.incrementBackups(plan.id)).toEqual(b.incrementBackups(plan.id));
      expect(a.describePlan(plan.id)).toEqual(b.describePlan(plan.id));
    }
    expect(c.listPlans().map((p) => p.id)).not.toEqual(a.listPlans().map((p) => p.id));
  });

  it('covers the documented cases', () => {
    const { fleet, byName } = demoFleet();
    const plans = fleet.listPlans();
    expect(plans).toHaveLength(8);
    expect(new Set(plans.map((p) => p.databaseType))).toEqual(new Set(['MySQL', 'PostgreSQL', 'SQLServer', 'MongoDB']));
    for (const plan of plans) expect(plan.id).toMatch(/^dbs1[a-z0-9]{9}$/);

    const mysql = fleet.describePlan(byName('mysql-orders').id)!;
    expect(mysql.BackupPeriod).toBe('Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday');
    expect(mysql.BackupStartTime).toMatch(/^02:\d\d$/);
    expect(mysql.BackupPlanStatus).toBe('running');
    const pg = fleet.describePlan(byName('pg-analytics').id)!;
    expect(pg.BackupPeriod).toBe('Friday');
    expect(pg.DatabaseType).toBe('PostgreSQL');
    expect(fleet.fullBackups(byName('pg-analytics').id)!.map((s) => s.BackupStatus)).toEqual(['finish']);
    expect(fleet.describePlan(byName('paused').id)!.BackupPlanStatus).toBe('pause');
  });

  it('lists sets newest first with epoch-millisecond times and consistent restore window', () => {
    const { fleet, byName } = demoFleet();
    const plan = byName('mysql-orders');
    const fulls = fleet.fullBackups(plan.id)!;
    const increments = fleet.incrementBackups(plan.id)!;
    for (const list of [fulls, increments]) {
      const starts = list.map((s) => Number(s.StartTime));
      expect(starts).toEqual([...starts].sort((a, b) => b - a));
      for (const start of starts) expect(start).toBeGreaterThan(Date.UTC(2026, 0, 1));
    }
    // Three days of history: fulls on the 25th (created 05:20, so its 02:xx full is missing), 26th, 27th, 28th.
    expect(fulls.map((s) => new Date(Number(s.StartTime)).getUTCDate())).toEqual([28, 27, 26]);
    const detail = fleet.describePlan(plan.id)!;
    expect(detail.BeginTimestampForRestore).toBe(Math.min(...fulls.map((s) => Number(s.EndTime))));
    const latestCompleted = increments.find((s) => s.BackupStatus === 'COMPLETED')!;
    expect(detail.EndTimestampForRestore).toBe(latestCompleted.EndTime);
    expect(increments[0]!.BackupStatus).toBe('FILLING');
  });

  it('moves older sets to IA and then Archive storage', () => {
    const { fleet, byName } = demoFleet();
    const increments = fleet.incrementBackups(byName('mysql-orders').id)!;
    const tierOf = (ageDays: number) => {
      const set = increments.find((s) => s.EndTime && T0 - Number(s.EndTime) > ageDays * DAY)!;
      return set.StorageMethod;
    };
    expect(increments[1]!.StorageMethod).toBe('Standard');
    expect(tierOf(1.2)).toBe('IA');
    expect(tierOf(2.2)).toBe('Archive');
  });

  it('has a failing plan whose fulls fail and whose increments are UNCOMPLETED', () => {
    const { fleet, byName } = demoFleet();
    const plan = byName('failing');
    const fulls = fleet.fullBackups(plan.id)!;
    expect(fulls.length).toBeGreaterThan(0);
    for (const set of fulls) {
      expect(set.BackupStatus).toBe('failed');
      expect(set.ErrMessage).toContain('Access denied');
    }
    const done = fleet.incrementBackups(plan.id)!.filter((s) => s.EndTime);
    expect(new Set(done.map((s) => s.BackupStatus))).toEqual(new Set(['UNCOMPLETED']));
    expect(fleet.describePlan(plan.id)!.BeginTimestampForRestore).toBe(0);
  });

  it('has a log backup stuck in FILLING whose size does not grow, and no later log backups', () => {
    const { clock, fleet, byName } = demoFleet();
    const plan = byName('stuck');
    const stuck = fleet.incrementBackups(plan.id)![0]!;
    expect(stuck.BackupStatus).toBe('FILLING');
    expect(T0 - Number(stuck.StartTime)).toBeGreaterThanOrEqual(5 * HOUR);
    clock.advance(3 * HOUR);
    const later = fleet.incrementBackups(plan.id)!;
    expect(later[0]).toEqual(stuck);
    expect(later[1]!.BackupStatus).toBe('COMPLETED');
    expect(Number(later[1]!.StartTime)).toBeLessThan(Number(stuck.StartTime));
  });

  it('starts no new jobs for the paused plan', () => {
    const { clock, fleet, byName } = demoFleet();
    const plan = byName('paused');
    const before = fleet.incrementBackups(plan.id)!;
    const newestStart = Number(before[0]!.StartTime);
    expect(T0 - newestStart).toBeGreaterThan(20 * HOUR);
    clock.advance(2 * DAY);
    expect(Number(fleet.incrementBackups(plan.id)![0]!.StartTime)).toBe(newestStart);
  });
});

describe('time', () => {
  it('advancing the clock creates jobs, grows running ones and completes them', () => {
    const { clock, fleet, byName } = demoFleet();
    const plan = byName('mysql-orders');
    const filling = fleet.incrementBackups(plan.id)![0]!;
    expect(filling.BackupStatus).toBe('FILLING');
    expect(filling.EndTime).toBeUndefined();
    clock.advance(MINUTE);
    const grown = fleet.incrementBackups(plan.id)!.find((s) => s.BackupSetId === filling.BackupSetId)!;
    expect(grown.BackupStatus).toBe('FILLING');
    expect(Number(grown.BackupSize)).toBeGreaterThan(Number(filling.BackupSize));
    clock.advance(5 * MINUTE);
    const sets = fleet.incrementBackups(plan.id)!;
    const completed = sets.find((s) => s.BackupSetId === filling.BackupSetId)!;
    expect(completed.BackupStatus).toBe('COMPLETED');
    expect(completed.EndTime).toBe(Number(filling.StartTime) + 5 * MINUTE);
    expect(sets[0]!.BackupSetId).not.toBe(filling.BackupSetId);
    expect(sets[0]!.BackupStatus).toBe('FILLING');
  });

  it('shows a scheduled full shortly before it starts, then running, then finished', () => {
    const { clock, fleet, byName } = demoFleet();
    const plan = byName('mysql-orders');
    const [hh, mm] = plan.full.startTime.split(':').map(Number) as [number, number];
    const nextStart = Date.UTC(2026, 10, 29, hh, mm);
    clock.set(nextStart - 20 * MINUTE);
    expect(fleet.fullBackups(plan.id)![0]!.BackupStatus).toBe('finish');
    clock.set(nextStart - 5 * MINUTE);
    const scheduled = fleet.fullBackups(plan.id)![0]!;
    expect(scheduled.BackupStatus).toBe('schedule');
    clock.set(nextStart + 2 * MINUTE);
    const running = fleet.fullBackups(plan.id)![0]!;
    expect([running.BackupSetId, running.BackupStatus]).toEqual([scheduled.BackupSetId, 'running']);
    expect(Number(running.BackupSize)).toBeGreaterThan(0);
    expect(running.EndTime).toBeUndefined();
    clock.set(nextStart + 2 * HOUR);
    const finished = fleet.fullBackups(plan.id)![0]!;
    expect([finished.BackupSetId, finished.BackupStatus]).toEqual([scheduled.BackupSetId, 'finish']);
    expect(Number(finished.BackupSize)).toBeGreaterThan(Number(running.BackupSize));
    expect(finished.BackupSetExpiredTime).toBe(Number(finished.EndTime) + 7 * DAY);
  });

  it('stops listing sets once they expire', () => {
    const { clock, fleet, byName } = demoFleet();
    const plan = byName('duplication'); // 3-day retention
    const oldest = fleet.fullBackups(plan.id)!.at(-1)!;
    clock.set(Number(oldest.BackupSetExpiredTime) - 1);
    expect(fleet.fullBackups(plan.id)!.at(-1)!.BackupSetId).toBe(oldest.BackupSetId);
    clock.set(Number(oldest.BackupSetExpiredTime) + 1);
    expect(fleet.fullBackups(plan.id)!.map((s) => s.BackupSetId)).not.toContain(oldest.BackupSetId);
  });

  it('filters by StartTime window, inclusive', () => {
    const { fleet, byName } = demoFleet();
    const plan = byName('sqlserver');
    const all = fleet.incrementBackups(plan.id)!;
    const from = Number(all[10]!.StartTime);
    const to = Number(all[3]!.StartTime);
    const window = fleet.incrementBackups(plan.id, { startTimestamp: from, endTimestamp: to })!;
    expect(window.map((s) => s.BackupSetId)).toEqual(all.slice(3, 11).map((s) => s.BackupSetId));
    expect(fleet.incrementBackups(plan.id, { startTimestamp: to + 1, endTimestamp: to + 2 })).toEqual([]);
  });
});

describe('mutations', () => {
  it('pausing stops new jobs from now on and resuming restarts them', () => {
    const { clock, fleet, byName } = demoFleet();
    const plan = byName('mongo');
    fleet.setPlanStatus(plan.id, 'pause');
    const newest = Number(fleet.incrementBackups(plan.id)![0]!.StartTime);
    clock.advance(HOUR);
    expect(Number(fleet.incrementBackups(plan.id)![0]!.StartTime)).toBe(newest);
    expect(fleet.describePlan(plan.id)!.BackupPlanStatus).toBe('pause');
    fleet.setPlanStatus(plan.id, 'running');
    clock.advance(HOUR);
    expect(Number(fleet.incrementBackups(plan.id)![0]!.StartTime)).toBeGreaterThan(newest + HOUR);
  });

  it('setSchedule switches generation per kind', () => {
    const { clock, fleet, byName } = demoFleet();
    const plan = byName('mongo');
    fleet.setSchedule(plan.id, { incremental: false });
    const newestIncrement = fleet.incrementBackups(plan.id)![0]!.BackupSetId;
    const fullCount = fleet.fullBackups(plan.id)!.length;
    clock.advance(DAY);
    expect(fleet.incrementBackups(plan.id)![0]!.BackupSetId).toBe(newestIncrement);
    expect(fleet.fullBackups(plan.id)!.length).toBe(fullCount + 1);
  });

  it('adds a plan whose sets are fully controlled by the test', () => {
    const { clock, fleet } = demoFleet();
    const plan = fleet.addPlan({ name: 'manual', createdAt: T0 - 10 * DAY, schedule: { full: false, incremental: false } });
    expect(fleet.fullBackups(plan.id)).toEqual([]);
    expect(fleet.incrementBackups(plan.id)).toEqual([]);
    const full = fleet.addFullBackup(plan.id, { StartTime: T0 - 2 * HOUR, BackupStatus: 'failed', ErrMessage: 'disk full' });
    const inc = fleet.addIncrementBackup(plan.id, {});
    expect(fleet.fullBackups(plan.id)).toEqual([full]);
    expect(fleet.incrementBackups(plan.id)).toEqual([inc]);
    fleet.updateBackup(plan.id, full.BackupSetId, { BackupStatus: 'finish', ErrMessage: '' });
    expect(fleet.fullBackups(plan.id)![0]!.BackupStatus).toBe('finish');
    fleet.removeBackup(plan.id, inc.BackupSetId);
    expect(fleet.incrementBackups(plan.id)).toEqual([]);
    clock.advance(DAY);
    expect(fleet.fullBackups(plan.id)).toHaveLength(1);
    expect(fleet.describePlan(plan.id)!.BeginTimestampForRestore).toBe(full.EndTime);
  });

  it('patches and removes generated sets', () => {
    const { clock, fleet, byName } = demoFleet();
    const plan = byName('mysql-orders');
    const [newest, second] = fleet.fullBackups(plan.id)!;
    fleet.updateBackup(plan.id, newest!.BackupSetId, { BackupStatus: 'failed', ErrMessage: 'patched' });
    fleet.removeBackup(plan.id, second!.BackupSetId);
    clock.advance(MINUTE);
    const fulls = fleet.fullBackups(plan.id)!;
    expect(fulls[0]).toMatchObject({ BackupSetId: newest!.BackupSetId, BackupStatus: 'failed', ErrMessage: 'patched' });
    expect(fulls.map((s) => s.BackupSetId)).not.toContain(second!.BackupSetId);
    expect(() => fleet.updateBackup(plan.id, 'no-such-set', {})).toThrow(/unknown backup set/);
  });

  it('updates and removes plans', () => {
    const { fleet, byName } = demoFleet();
    const plan = byName('mongo');
    fleet.updatePlan(plan.id, { name: 'renamed', retentionDays: 1 });
    expect(fleet.describePlan(plan.id)).toMatchObject({ BackupPlanName: 'renamed', BackupRetentionPeriod: 1 });
    for (const set of fleet.fullBackups(plan.id)!) expect(Number(set.BackupSetExpiredTime)).toBeGreaterThanOrEqual(T0);
    expect(fleet.removePlan(plan.id)).toBe(true);
    expect(fleet.getPlan(plan.id)).toBeUndefined();
    expect(fleet.fullBackups(plan.id)).toBeUndefined();
    expect(() => fleet.setPlanStatus(plan.id, 'pause')).toThrow(/unknown backup plan/);
  });
});

describe('scale', () => {
  it('builds 5,000 plans with 14 days of history quickly and answers lazily', () => {
    const clock = new ManualClock(T0);
    const started = performance.now();
    const fleet = new Fleet(clock, { seed: 3, plans: 5000, historyDays: 14 });
    const built = performance.now() - started;
    expect(fleet.size).toBe(5000);
    expect(built).toBeLessThan(3000);

    const statuses = fleet.listPlans().map((p) => p.status);
    const paused = statuses.filter((s) => s === 'pause').length;
    expect(paused).toBeGreaterThan(50);
    expect(paused).toBeLessThan(300);
    expect(new Set(fleet.listPlans().map((p) => p.id)).size).toBe(5000);

    const pageStarted = performance.now();
    for (const plan of fleet.findPlans().slice(0, 100)) {
      fleet.describePlan(plan.id);
      fleet.incrementBackups(plan.id);
    }
    expect(performance.now() - pageStarted).toBeLessThan(3000);
  });
});
