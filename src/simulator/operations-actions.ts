/** DescribeBackupPlanBilling, DescribeBackupGatewayList and DescribeJobErrorCode (docs/design/operational-stops.md). */
import { apiErrors } from './errors.js';
import type { ActionParams, ActionResponseBody } from './action-params.js';
import type { Fleet } from './fleet.js';

export function describeBackupPlanBilling(_fleet: Fleet, _params: ActionParams): ActionResponseBody {
  throw apiErrors.internal();
}

export function describeBackupGatewayList(_fleet: Fleet, _params: ActionParams): ActionResponseBody {
  throw apiErrors.internal();
}

export function describeJobErrorCode(_fleet: Fleet, _params: ActionParams): ActionResponseBody {
  throw apiErrors.internal();
}
