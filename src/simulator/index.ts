/** A local DBS: signature checks, a lazily generated fleet, fault injection. Imports no client code. */
export { startSimulator, type Simulator, type SimulatorOptions } from './server.js';
export { runSimulatorMain, type SimulatorMainOptions } from './main.js';
export { DEMO_CREDENTIAL, CredentialStore, Authenticator, NonceCache, type SimulatorCredential, type ApiRequest, type AuthenticatedRequest } from './auth.js';
export { SystemClock, ManualClock, OffsetClock, isAdjustableClock, type Clock, type AdjustableClock } from './clock.js';
export { Fleet, UnknownPlanError, UnknownGatewayError, type PlanFilter, type BackupSetFilter } from './fleet.js';
export { GATEWAY_STATUSES, type Gateway, type GatewayInput, type GatewayStatus } from './gateways.js';
export { BILLING_NOT_SUPPORTED_CODE, BILLING_NOT_SUPPORTED_MESSAGE } from './operations-actions.js';
export { FULL_BACKUP_ERROR_CODES, errorMessage as jobErrorMessage, type JobErrorLanguage } from './job-errors.js';
export { type RestoreTask, type RestoreTaskInput, type RestoreOutcome, type RestoreTaskFilter } from './restore-tasks.js';
export { type RestoreWindow } from './restore.js';
export { FaultInjector, UNPAGED_ACTIONS, serializableFaultRuleSchema, type FaultRule, type SerializableFaultRule, type FaultKind, type FaultDecision } from './faults.js';
export { RequestLog, type RequestLogEntry } from './request-log.js';
export { ApiError } from './errors.js';
export { SCENARIO_PLAN_COUNT, type ScenarioOptions } from './scenario.js';
export {
  DAY,
  HOUR,
  MINUTE,
  EVERY_DAY,
  WEEKDAYS,
  type BackupPlan,
  type BackupMethod,
  type FullBackupSchedule,
  type IncrementalBackupSchedule,
  type StorageTiering,
  type PlanInput,
  type PlanPatch,
  type PlanSubscription,
  type ChargeType,
  type FullBackupFailure,
  type ScheduleSwitch,
  type FullBackupInput,
  type IncrementBackupInput,
  type Weekday,
} from './model.js';
export {
  percentEncode,
  canonicalQueryString,
  signAcs3Request,
  signRpcV1Params,
  isoSeconds,
  type SigningCredential,
} from './signature.js';
