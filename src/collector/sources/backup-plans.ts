/**
 * DescribeBackupPlanList: a target's plans (discovery), asked once per target per cycle
 * before the per-plan sources; its transition turns a plan's detail into its PlanInfo.
 */
import type { DbsApi } from '../../dbs/api.js';
import { listAll } from '../../dbs/pagination.js';
import { type BackupPlanDetail, describeBackupPlanListResponseSchema } from '../../dbs/schemas.js';
import type { PlanSelection } from '../../config/plans.js';
import { type PlanInfo, keepPlanInfo, planInfoFromDetail } from '../plan-info.js';
import { EVERY_CYCLE } from './source.js';

export const backupPlans = {
  name: 'backup_plans',
  action: 'DescribeBackupPlanList',
  responseSchema: describeBackupPlanListResponseSchema,
  schedule: EVERY_CYCLE,

  /** An explicit id list asks for each plan by id; any other selection lists the region and filters after. */
  async list(api: DbsApi, region: string, selection: PlanSelection): Promise<BackupPlanDetail[]> {
    if (selection.mode === 'ids') {
      const found = await Promise.all(
        selection.ids.map(async (id) => (await listAll(api, 'DescribeBackupPlanList', { BackupPlanId: id, Region: region })).items),
      );
      return found.flat().filter((plan) => selection.ids.includes(plan.BackupPlanId));
    }
    return (await listAll(api, 'DescribeBackupPlanList', { Region: region })).items;
  },

  /** The plan's info from its listed detail, keeping the previous object when nothing changed. */
  transition(previous: PlanInfo | undefined, detail: BackupPlanDetail): PlanInfo {
    return keepPlanInfo(previous, planInfoFromDetail(detail));
  },
} as const;
