/**
 * What every action handler shares: parameter parsing, paging and the response envelope.
 * Invalid parameters throw ApiError (InvalidParameter), as the DBS gateway answers them.
 */
import { PAGE_SIZES } from '../dbs/schemas.js';
import { apiErrors } from './errors.js';

export type ActionParams = ReadonlyMap<string, string>;

/** Fault behaviour that changes how a page is computed. */
export interface PagingOverride {
  /** Ignore PageNum, always answer with the first page and claim this many elements. */
  repeatFirstPage?: { totalElements: number };
}

export interface Page<T> {
  PageNum: number;
  PageSize: number;
  TotalPages: number;
  TotalElements: number;
  items: T[];
}

export interface PageRequest {
  pageNum: number;
  pageSize: number;
}

export type ActionResponseBody = Record<string, unknown> & { Success: boolean };

export function integerParam(params: ActionParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw apiErrors.invalidParameter(name, `"${raw}" is not an integer`);
  return Number(raw);
}

/** An epoch-millisecond parameter the action cannot do without. */
export function requiredTimestamp(params: ActionParams, name: string): number {
  const value = integerParam(params, name);
  if (value === undefined) throw apiErrors.invalidParameter(name, `${name} is mandatory for this action`);
  if (value < 0) throw apiErrors.invalidParameter(name, 'must be 0 or greater');
  return value;
}

/** PageNum from 0; PageSize one of 30, 50, 100 (the backup lists), or any in 1–100 when `anySize`. */
export function pageRequest(params: ActionParams, anySize = false): PageRequest {
  const pageNum = integerParam(params, 'PageNum') ?? 0;
  if (pageNum < 0) throw apiErrors.invalidParameter('PageNum', 'must be 0 or greater');
  const pageSize = integerParam(params, 'PageSize') ?? 30;
  if (anySize ? pageSize < 1 || pageSize > 100 : !(PAGE_SIZES as readonly number[]).includes(pageSize)) {
    throw apiErrors.invalidParameter('PageSize', anySize ? 'must be between 1 and 100' : `must be one of ${PAGE_SIZES.join(', ')}`);
  }
  return { pageNum, pageSize };
}

export function paginate<T>(all: readonly T[], request: PageRequest, override: PagingOverride): Page<T> {
  const { pageNum, pageSize } = request;
  const totalElements = override.repeatFirstPage?.totalElements ?? all.length;
  const start = override.repeatFirstPage ? 0 : pageNum * pageSize;
  return {
    PageNum: pageNum,
    PageSize: pageSize,
    TotalPages: Math.ceil(totalElements / pageSize),
    TotalElements: totalElements,
    items: all.slice(start, start + pageSize),
  };
}

export function envelope<T>(page: Page<T>, itemName: string): ActionResponseBody {
  const { items, ...counts } = page;
  return { HttpStatusCode: 200, Success: true, ...counts, Items: { [itemName]: items } };
}

export function requiredPlanId(params: ActionParams): string {
  return requiredParam(params, 'BackupPlanId');
}

/** DBS answers an unknown plan with HTTP 200 and Success:false, not a gateway error. */
export function planNotFound(planId: string): ActionResponseBody {
  return notFound('BackupPlanId', planId);
}

/** The same answer for any unknown id (a plan, a task). */
export function notFound(name: string, value: string): ActionResponseBody {
  return {
    HttpStatusCode: 200,
    Success: false,
    ErrCode: 'Param.NotFound',
    ErrMessage: `The specified parameter ${name} value ${value} is not valid.`,
  };
}

/** A parameter the action cannot do without, answered like a missing BackupPlanId. */
export function requiredParam(params: ActionParams, name: string): string {
  const value = params.get(name);
  if (!value) throw apiErrors.invalidParameter(name, `${name} is mandatory for this action`);
  return value;
}
