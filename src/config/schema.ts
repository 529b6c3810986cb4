/**
 * The configuration file's shape: the one source of truth for its types, its validation
 * and the JSON Schema editors use (config/dbs-exporter.schema.json, generated from this
 * file by scripts/gen-config-schema.ts).
 *
 * Durations are written as strings (`30s`) and parse to milliseconds. Defaults that do
 * not depend on anything else are declared here with `.default()`; the API settings
 * (`defaults:` overridden per target) and the collection interval are merged in load.ts,
 * and their defaults are declared here in API_DEFAULTS / DEFAULT_INTERVAL and shown to
 * editors through `.meta({ default })`.
 */
import validateCron from 'node-cron';
import { z } from 'zod';
import { BACKUP_PLAN_STATUSES } from '../dbs/schemas.js';
import { DURATION_PATTERN, MAX_TIMER_MS, formatDuration, parseDuration } from './duration.js';

/** Regions where DBS has an OpenAPI endpoint. Others are accepted only with an `endpoint` override. */
export const DBS_REGIONS = [
  'cn-hangzhou', 'cn-shanghai', 'cn-qingdao', 'cn-beijing', 'cn-zhangjiakou', 'cn-huhehaote',
  'cn-wulanchabu', 'cn-shenzhen', 'cn-heyuan', 'cn-guangzhou', 'cn-chengdu', 'cn-nanjing',
  'cn-fuzhou', 'cn-hongkong', 'ap-southeast-1', 'ap-southeast-3', 'ap-southeast-5',
  'ap-southeast-6', 'ap-southeast-7', 'ap-northeast-1', 'ap-northeast-2', 'ap-south-1',
  'us-east-1', 'us-west-1', 'eu-west-1', 'eu-central-1', 'me-east-1', 'me-central-1',
] as const;
export type DbsRegion = (typeof DBS_REGIONS)[number];

const REGION_LIKE = /^[a-z]{2,}(?:-[a-z0-9]+)+$/;
/** A target name becomes the `account` label: kept to characters that never need quoting in PromQL or URLs. */
const LABEL_SAFE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(?:[1-9]\d{0,4}))?$/;
const LISTEN_ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):(?:\d{1,5})$/;
/** Upper-case only: a secret pasted here by mistake (they are mixed case) is rejected without being echoed. */
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

// ---------------------------------------------------------------------------------------------
// Building blocks

interface DurationOptions {
  min?: number;
  max?: number;
  /** JSON Schema annotations; zod keeps them only on the string side of the transform. */
  meta?: { default?: string; description?: string };
}

/** A Prometheus-style duration string, parsed to milliseconds. */
function duration({ min = 0, max = Number.MAX_SAFE_INTEGER, meta = {} }: DurationOptions = {}) {
  return z
    .string({ error: 'expected a duration such as 30s, 5m or 1h30m' })
    .regex(DURATION_PATTERN, 'expected a duration such as 500ms, 30s, 5m, 1h30m, 72h or 7d (units ms, s, m, h, d, w, y)')
    .superRefine((text, ctx) => {
      if (!DURATION_PATTERN.test(text)) return; // already reported by the pattern
      let ms: number;
      try {
        ms = parseDuration(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: `duration is too large (at most ${formatDuration(max)})` });
        return;
      }
      if (ms > max) ctx.addIssue({ code: 'custom', message: `duration is too large (at most ${formatDuration(max)})` });
      else if (ms < min) ctx.addIssue({ code: 'custom', message: `duration is too small (at least ${formatDuration(min)})` });
    })
    .meta(meta)
    .transform(parseDuration);
}

const nonEmpty = z.string().min(1);
const envName = z.string().regex(ENV_NAME, 'expected an environment variable name (A-Z, 0-9 and _)');
const filePath = nonEmpty.meta({ description: 'Path to a file; relative paths are resolved against the config file\'s folder.' });

function validRegex(pattern: string, ctx: z.core.$RefinementCtx<string>): void {
  try {
    new RegExp(pattern);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` });
  }
}

function validCronExpression(expression: string, ctx: z.core.$RefinementCtx<string>): void {
  if (!validateCron.validate(expression)) {
    ctx.addIssue({ code: 'custom', message: 'invalid cron expression (expected 5 or 6 fields, e.g. "*/5 * * * *")' });
  }
}

/**
 * Lets a cross-field check run even when a field inside failed, so every problem is reported
 * at once. The check then sees unvalidated input: it runs only on the right container type and
 * must test each field it reads.
 */
function evenWithInnerErrors(container: 'object' | 'array') {
  return {
    when: (payload: { value: unknown }) => (container === 'array' ? Array.isArray(payload.value) : isRecord(payload.value)),
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// API settings: a top-level `defaults:` block, overridable key by key on each target

/** Built-in API settings, in file syntax. `burst` defaults to requests_per_second rounded up. */
export const API_DEFAULTS = {
  request_timeout: '10s',
  retries: { max_attempts: 3, initial_backoff: '200ms', max_backoff: '10s' },
  max_concurrency: 4,
  rate_limit: { requests_per_second: 10 },
} as const;

const retriesSchema = z
  .strictObject({
    max_attempts: z.int().min(1).max(20).optional().meta({ default: API_DEFAULTS.retries.max_attempts, description: 'Attempts per request, the first included.' }),
    initial_backoff: duration({ min: 1, max: MAX_TIMER_MS, meta: { default: API_DEFAULTS.retries.initial_backoff } }).optional(),
    max_backoff: duration({ min: 1, max: MAX_TIMER_MS, meta: { default: API_DEFAULTS.retries.max_backoff } }).optional(),
  })
  .meta({ description: 'Retry of throttled and transient DBS errors, with exponential backoff and jitter.' });

const rateLimitSchema = z
  .strictObject({
    requests_per_second: z.number().positive().max(1000).optional().meta({
      default: API_DEFAULTS.rate_limit.requests_per_second,
      description: 'DBS API calls per second for this target (DBS throttles per account): the average, and a hard cap over any rolling second, bursts included.',
    }),
    burst: z.int().min(1).max(1000).optional().meta({ description: 'Calls that may leave back to back (token-bucket size), within the per-second cap; defaults to requests_per_second rounded up.' }),
  })
  .meta({ description: 'Token-bucket limit on DBS API calls.' });

/** Fields shared by `defaults:` and each target; each is optional so a target overrides only what it sets. */
const apiSettingsFields = {
  request_timeout: duration({ min: 1, max: MAX_TIMER_MS, meta: { default: API_DEFAULTS.request_timeout, description: 'Timeout of one DBS API request.' } }).optional(),
  retries: retriesSchema.optional(),
  max_concurrency: z.int().min(1).max(64).optional().meta({ default: API_DEFAULTS.max_concurrency, description: 'DBS API requests in flight at once.' }),
  rate_limit: rateLimitSchema.optional(),
};

export const apiSettingsSchema = z
  .strictObject(apiSettingsFields)
  .meta({ description: 'DBS API settings for every target; each target can override any of them.' });

// ---------------------------------------------------------------------------------------------
// Credentials, one variant per @alicloud/credentials type. Secrets come from `<field>_env` or
// `<field>_file`; which of those is set (exactly one) is checked in secrets.ts, where they are read.

const accessKeyFields = {
  access_key_id: nonEmpty.optional().meta({ description: 'The AccessKey ID itself (not a secret). Or use access_key_id_env / access_key_id_file.' }),
  access_key_id_env: envName.optional().meta({ description: 'Environment variable holding the AccessKey ID.' }),
  access_key_id_file: filePath.optional(),
  access_key_secret_env: envName.optional().meta({ description: 'Environment variable holding the AccessKey secret.' }),
  access_key_secret_file: filePath.optional(),
};

const securityTokenFields = {
  security_token_env: envName.optional().meta({ description: 'Environment variable holding the STS security token.' }),
  security_token_file: filePath.optional(),
};

const roleArn = z.string().regex(/^acs:ram::\d+:role\/\S+$/, 'expected a RAM role ARN such as acs:ram::123456789012:role/dbs-exporter');

const assumeRoleFields = {
  role_session_name: z.string().regex(/^[\w.@-]{2,64}$/, 'expected 2-64 letters, digits or . @ - _').optional(),
  role_session_expiration: duration({ min: 15 * 60_000, max: 12 * 3_600_000, meta: { description: 'Lifetime of the assumed-role credentials (15m to 12h).' } }).optional(),
  policy: nonEmpty.optional().meta({ description: 'A RAM policy (JSON) narrowing the assumed role.' }),
  sts_endpoint: z.string().regex(HOST_PORT, 'expected host[:port] without a scheme').optional(),
};

const credentialVariants = [
  z.strictObject({ type: z.literal('access_key'), ...accessKeyFields }).meta({ description: 'A RAM user AccessKey pair.' }),
  z.strictObject({ type: z.literal('sts'), ...accessKeyFields, ...securityTokenFields }).meta({ description: 'A temporary STS token (AccessKey pair plus security token).' }),
  z
    .strictObject({ type: z.literal('ram_role_arn'), ...accessKeyFields, ...securityTokenFields, role_arn: roleArn, external_id: nonEmpty.optional(), ...assumeRoleFields })
    .meta({ description: 'Assume a RAM role with an AccessKey pair.' }),
  z
    .strictObject({
      type: z.literal('ecs_ram_role'),
      role_name: nonEmpty.optional().meta({ description: 'The instance RAM role; looked up from the metadata service when absent.' }),
      disable_imds_v1: z.boolean().default(false).meta({ description: 'Require IMDSv2 (token-protected metadata).' }),
    })
    .meta({ description: 'The RAM role attached to this ECS instance.' }),
  z
    .strictObject({
      type: z.literal('oidc_role_arn'),
      role_arn: roleArn.optional().meta({ description: 'Defaults to $ALIBABA_CLOUD_ROLE_ARN (set by ACK RRSA).' }),
      oidc_provider_arn: z.string().regex(/^acs:ram::\d+:oidc-provider\/\S+$/, 'expected an OIDC provider ARN such as acs:ram::123456789012:oidc-provider/ack-rrsa-c123').optional().meta({ description: 'Defaults to $ALIBABA_CLOUD_OIDC_PROVIDER_ARN.' }),
      oidc_token_file: filePath.optional().meta({ description: 'Defaults to $ALIBABA_CLOUD_OIDC_TOKEN_FILE.' }),
      ...assumeRoleFields,
    })
    .meta({ description: 'Assume a RAM role with an OIDC token (ACK RRSA).' }),
  z
    .strictObject({ type: z.literal('credentials_uri'), uri: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }) })
    .meta({ description: 'Fetch credentials from a local URI that serves them.' }),
  z.strictObject({ type: z.literal('default') }).meta({ description: "The SDK's default chain: environment, config file, ECS RAM role, OIDC, credentials URI." }),
] as const;

export const credentialsSchema = z.discriminatedUnion('type', credentialVariants).meta({ description: 'How to authenticate to this account.' });

// ---------------------------------------------------------------------------------------------
// Plan selection

const planId = z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a BackupPlanId such as dbstooi01ex68w');

/** A plan matches a filter when it matches every criterion set in it (and any value of a list). */
const planFilterSchema = z
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

/**
 * Either discovery (DescribeBackupPlanList, narrowed by include/exclude) or an explicit list of
 * ids. The two don't mix: filters next to `ids` would be silently meaningless, so they are an error.
 */
const plansSchema = z
  .strictObject({
    discover: z.boolean().optional().meta({ default: true, description: 'Discover every backup plan of the account; false requires ids.' }),
    ids: z.array(planId).min(1).optional().meta({ description: 'Poll exactly these BackupPlanIds, without discovery.' }),
    include: planFilterSchema.optional().meta({ description: 'Keep only discovered plans matching every criterion set here.' }),
    exclude: planFilterSchema.optional().meta({ description: 'Drop discovered plans matching every criterion set here.' }),
  })
  .superRefine((plans, ctx) => {
    if (plans.ids !== undefined) {
      if (plans.discover === true) ctx.addIssue({ code: 'custom', path: ['discover'], message: 'cannot be true together with plans.ids (ids disables discovery)' });
      for (const key of ['include', 'exclude'] as const) {
        if (plans[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'cannot be combined with plans.ids: filters apply only to discovery' });
      }
    } else if (plans.discover === false) {
      ctx.addIssue({ code: 'custom', message: 'discover is false but no ids are listed: nothing to poll' });
    }
  })
  .meta({ description: 'Which backup plans to poll.' });

// ---------------------------------------------------------------------------------------------
// Targets

const targetSchema = z
  .strictObject({
    name: z
      .string()
      .max(64)
      .regex(LABEL_SAFE, "must start with a letter or digit and contain only letters, digits, '_', '-' and '.' (it becomes the account label)")
      .meta({ description: 'Unique name; the `account` label of every metric from this target.' }),
    region: z.string().meta({ description: 'DBS region id. Any lowercase region id is accepted when endpoint is set.', examples: [...DBS_REGIONS] }),
    endpoint: z
      .string()
      .regex(HOST_PORT, 'expected host[:port] without a scheme, e.g. dbs-api.cn-hangzhou.aliyuncs.com (set protocol for http)')
      .optional()
      .meta({ description: 'Override the DBS API endpoint (host[:port]).' }),
    protocol: z.enum(['https', 'http']).default('https'),
    endpoint_type: z.enum(['public', 'vpc']).default('public').meta({ description: 'Use the VPC endpoint of the region instead of the public one.' }),
    signature_algorithm: z.enum(['ACS3-HMAC-SHA256', 'HMAC-SHA1']).default('ACS3-HMAC-SHA256'),
    credentials: credentialsSchema,
    plans: plansSchema.prefault({}),
    ...apiSettingsFields,
  })
  .superRefine((target, ctx) => {
    if (typeof target.region !== 'string') return;
    if (target.endpoint !== undefined) {
      if (!REGION_LIKE.test(target.region)) ctx.addIssue({ code: 'custom', path: ['region'], message: 'expected a lowercase region id such as cn-hangzhou' });
    } else if (!(DBS_REGIONS as readonly string[]).includes(target.region)) {
      ctx.addIssue({ code: 'custom', path: ['region'], message: `expected one of ${DBS_REGIONS.join(', ')} (or set endpoint to use another region)` });
    }
  }, evenWithInnerErrors('object'));

const targetsSchema = z
  .array(targetSchema)
  .min(1, 'must list at least one target')
  .superRefine((targets, ctx) => {
    const firstIndex = new Map<string, number>();
    targets.forEach((target: unknown, index) => {
      if (!isRecord(target) || typeof target.name !== 'string') return;
      const first = firstIndex.get(target.name);
      if (first === undefined) firstIndex.set(target.name, index);
      else ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate target name "${target.name}" (also used by targets[${first}])` });
    });
  }, evenWithInnerErrors('array'))
  .meta({ description: 'Alibaba Cloud accounts and regions to poll.' });

// ---------------------------------------------------------------------------------------------
// Collection and web

export const DEFAULT_INTERVAL = '60s';

const collectionSchema = z
  .strictObject({
    interval: duration({ min: 1_000, max: MAX_TIMER_MS, meta: { default: DEFAULT_INTERVAL, description: 'Poll every target this often. Exclusive with cron.' } }).optional(),
    cron: z.string().superRefine(validCronExpression).optional().meta({ description: 'Poll on this node-cron schedule (5 or 6 fields) instead of an interval.' }),
    lookback: duration({ min: 60_000, max: 400 * 24 * 3_600_000 }).prefault('72h').meta({ description: 'How far back the first poll reads backup history.' }),
    overlap: duration({ max: 24 * 3_600_000 }).prefault('10m').meta({ description: 'Each poll re-reads this much history before the last watermark, to catch late-finishing jobs.' }),
    max_staleness: duration({ max: 400 * 24 * 3_600_000 }).prefault('15m').meta({
      description:
        "While a plan's polls fail, how long its point-in-time gauges (job and set counts, the running job) are still exported; what DBS said (backup timestamps, lag, plan status and info, counters) is kept for as long as DBS lists the plan.",
    }),
  })
  .superRefine((collection, ctx) => {
    if (collection.interval !== undefined && collection.cron !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'set either interval or cron, not both' });
    }
  })
  .meta({ description: 'When and how far back to poll DBS.' });

const webSchema = z
  .strictObject({
    listen_address: z
      .string()
      .regex(LISTEN_ADDRESS, 'expected [host]:port, e.g. :9871 or 127.0.0.1:9871')
      .refine((address) => Number(address.slice(address.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535')
      .default(':9871'),
    telemetry_path: z
      .string()
      .regex(/^\/[^\s?#]*$/, 'expected a path starting with /')
      // Another endpoint's path would hide it (or, for the health paths, serve metrics without basic auth).
      .refine((path) => !['/-/healthy', '/-/ready', '/', '/api/v1/status'].includes(path), 'must not be one of the other endpoints (/, /-/healthy, /-/ready, /api/v1/status)')
      .default('/metrics'),
  })
  .meta({ description: 'HTTP server; command-line flags override these.' });

// ---------------------------------------------------------------------------------------------

export const configFileSchema = z
  .strictObject({
    defaults: apiSettingsSchema.optional(),
    collection: collectionSchema.prefault({}),
    web: webSchema.prefault({}),
    targets: targetsSchema,
  })
  .meta({ title: 'dbs-exporter configuration', description: 'Prometheus exporter for Alibaba Cloud Database Backup Service (DBS).' });

/** The file as written. */
export type ConfigFile = z.input<typeof configFileSchema>;
/** The file after validation: durations in ms, per-field defaults applied, secrets still unresolved. */
export type ParsedConfigFile = z.output<typeof configFileSchema>;
export type ParsedTarget = ParsedConfigFile['targets'][number];
export type FileCredentials = z.output<typeof credentialsSchema>;
export type PlanFilterFile = z.output<typeof planFilterSchema>;
export type ApiSettingsFile = z.output<typeof apiSettingsSchema>;
export type BackupPlanStatusFilter = (typeof BACKUP_PLAN_STATUSES)[number];

/** JSON Schema of the file as written, for editors (yaml-language-server). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
