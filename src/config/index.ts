/** Configuration: the YAML file's schema, loading and validation, env/file secrets. */
export { configFileSchema, configJsonSchema, credentialsSchema, DBS_REGIONS, API_DEFAULTS, DEFAULT_INTERVAL } from './schema.js';
export type { ConfigFile, ParsedConfigFile, DbsRegion, BackupPlanStatusFilter } from './schema.js';
export { loadConfigFile, parseConfig } from './load.js';
export type { ResolvedConfig, ResolvedTarget, ResolvedCollection, CollectionSchedule, ApiSettings, ParseOptions } from './load.js';
export { Secret } from './secrets.js';
export type { CredentialSpec } from './secrets.js';
export { isPlanSelected, matchesPlanFilter } from './plans.js';
export type { PlanSelection, PlanFilter, PlanIdentity } from './plans.js';
export { ConfigError, formatIssue } from './errors.js';
export type { ConfigIssue } from './errors.js';
export { parseDuration, formatDuration, DurationError, MAX_TIMER_MS } from './duration.js';
export { expectationsFor } from './expectations.js';
export type { Expectation, PlanExpectations } from './expectations.js';
