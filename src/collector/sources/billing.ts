/**
 * DescribeBackupPlanBilling: a plan's backup traffic in the current quota period (free, used,
 * paid) and its subscription, read on its own slow interval. A plan DBS says the action does not
 * apply to is "not applicable", a state like any other, never a failed poll.
 * Design: docs/design/operational-stops.md
 */
import { isNotApplicable } from '../../dbs/errors.js';
import type { BackupPlanBilling } from '../../dbs/schemas.js';
import { millis } from '../wire-values.js';
import { defineStateSource } from './source.js';

export interface BillingSettings {
  intervalMs: number;
}

/** What one read said (immutable; the snapshot carries it as is). */
export type BackupBilling =
  | { supported: false }
  | {
      supported: true;
      chargeType?: string;
      /** TotalFreeBytes: absent when unlimited or not sent. */
      freeBytes?: number;
      freeUnlimited?: boolean;
      usedFullBytes?: number;
      usedIncrementalBytes?: number;
      paidBytes?: number;
      quotaStartMs?: number;
      quotaEndMs?: number;
      fullStorageBytes?: number;
      continuousStorageBytes?: number;
    };

const NOT_APPLICABLE: BackupBilling = { supported: false };

const num = (v: number | undefined) => (v !== undefined && Number.isFinite(v) && v >= 0 ? v : undefined);

function defined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

export function observeBilling(item: BackupPlanBilling | undefined): BackupBilling {
  if (!item) return { supported: true };
  const unlimited = item.IsFreeBytesUnlimited;
  return defined({
    supported: true as const,
    chargeType: item.BuyChargeType || undefined,
    freeBytes: unlimited ? undefined : num(item.TotalFreeBytes),
    freeUnlimited: unlimited,
    usedFullBytes: num(item.UsedFullBytes),
    usedIncrementalBytes: num(item.UsedIncrementBytes),
    paidBytes: num(item.PaiedBytes),
    quotaStartMs: millis(item.QuotaStartTimestamp),
    quotaEndMs: millis(item.QuotaEndTimestamp),
    fullStorageBytes: num(item.FullStorageSize),
    continuousStorageBytes: num(item.ContStorageSize),
  });
}

/** The previous object when nothing changed, so what was derived from it is reused. */
function keepBilling(previous: BackupBilling | undefined, next: BackupBilling): BackupBilling {
  if (!previous) return next;
  const a = previous as Record<string, unknown>;
  const b = next as Record<string, unknown>;
  const keys = Object.keys(b);
  return keys.length === Object.keys(a).length && keys.every((k) => a[k] === b[k]) ? previous : next;
}

export function billing(settings: BillingSettings) {
  return defineStateSource({
    name: 'billing',
    action: 'DescribeBackupPlanBilling',
    schedule: { intervalMs: settings.intervalMs },
    async poll({ api, info }, previous: BackupBilling | undefined) {
      try {
        const answer = await api.call('DescribeBackupPlanBilling', { BackupPlanId: info.planId });
        return { state: keepBilling(previous, observeBilling(answer.Item)) };
      } catch (err) {
        if (!isNotApplicable(err)) throw err;
        return { state: previous?.supported === false ? previous : NOT_APPLICABLE };
      }
    },
    view: (state: BackupBilling) => state,
  });
}
