/** A plan filter, used by plan selection (schema.ts) and by expectations (expectations-schema.ts). */
import { z } from 'zod';
import { BACKUP_PLAN_STATUSES } from '../dbs/schemas.js';
import { nonEmpty, validRegex } from './fields.js';

export const planId = z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a BackupPlanId such as dbstooi01ex68w');

/** A plan matches a filter when it matches every criterion set in it (and any value of a list). */
export const planFilterSchema = z
  .strictObject({
    ids: z.array(planId).min(1).optional().meta({ description: 'BackupPlanIds.' }),
    name_regex: z.string().superRefine(validRegex).optional().meta({ description: 'JavaScript regular expression tested against BackupPlanName (unanchored).' }),
    statuses: z.array(z.enum(BACKUP_PLAN_STATUSES)).min(1).optional().meta({ description: 'BackupPlanStatus values.' }),
    instance_types: z.array(nonEmpty).min(1).optional().meta({ description: 'SourceEndpointInstanceType values such as RDS, ECS, PolarDB (case-insensitive).' }),
  })
  .refine(
    (filter) => Object.values(filter).some((criterion) => criterion !== undefined),
    // An empty exclude would match, and drop, every plan: almost certainly not what was meant.
    'set at least one of ids, name_regex, statuses, instance_types',
  );

