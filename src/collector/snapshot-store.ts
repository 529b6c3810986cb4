/**
 * Where the collector publishes each finished snapshot and everything downstream reads it.
 * Subscribers prepare a snapshot before it becomes current (the exposition renders it ahead),
 * so a scrape meanwhile is served the previous one, never half of the new.
 */
import type { CycleReport } from './cycle-report.js';
import type { Snapshot } from './snapshot.js';

export interface SnapshotSubscriber {
  /** Runs before the snapshot is current; publishing waits for it. */
  prepare?(snapshot: Snapshot): Promise<unknown> | void;
  /** Runs once it is current, with the report of the cycle that built it. */
  published?(snapshot: Snapshot, report: CycleReport): void;
}

export class SnapshotStore {
  private latest: Snapshot | undefined;
  private readonly subscribers: SnapshotSubscriber[] = [];

  /** The latest published snapshot; undefined until the first cycle ends. Safe to pass unbound. */
  readonly current = (): Snapshot | undefined => this.latest;

  subscribe(subscriber: SnapshotSubscriber): void {
    this.subscribers.push(subscriber);
  }

  async publish(snapshot: Snapshot, report: CycleReport): Promise<void> {
    for (const subscriber of this.subscribers) await subscriber.prepare?.(snapshot);
    this.latest = snapshot;
    for (const subscriber of this.subscribers) subscriber.published?.(snapshot, report);
  }
}
