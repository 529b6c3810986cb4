/**
 * DBS pages are 0-based. A listing ends at the first short page, when TotalElements items
 * have been seen, or at a hard page cap, so a server that repeats the same page forever
 * cannot keep a poll running forever.
 */
import type { ActionParams, ActionResponse, DbsApi } from './api.js';
import { DbsApiError } from './errors.js';
import type { DbsAction, PageSize } from './schemas.js';

export const DEFAULT_MAX_PAGES = 200;
/** Pages requested at once once page 0 has told the total. */
export const PAGES_IN_FLIGHT = 10;

/** Actions whose answer is a list of Items (the others answer one Item). */
export type PagedAction = { [A in DbsAction]: ActionResponse<A> extends { Items: readonly unknown[] } ? A : never }[DbsAction];
export type Item<A extends PagedAction> = ActionResponse<A>['Items'][number];

export interface PaginateOptions {
  pageSize?: PageSize;
  maxPages?: number;
}

export interface Listing<T> {
  items: T[];
  pages: number;
  totalElements?: number;
}

/**
 * Every page of a listing. Page 0 comes first; when it says how many items there are
 * (TotalElements) the remaining pages are requested PAGES_IN_FLIGHT at a time, so a
 * 50-page discovery costs six round trips instead of fifty (the rate limiter and in-flight
 * cap below still apply), and a total beyond the page cap fails at once. Pages are read in
 * order exactly as a sequential walk would: a short page ends the listing, a repeated page
 * is an error, and a listing that grew meanwhile is followed page by page.
 */
export async function listAll<A extends PagedAction, T = Item<A>>(
  api: DbsApi,
  action: A,
  params: Omit<ActionParams<A>, 'PageNum' | 'PageSize'>,
  options: PaginateOptions & {
    /** Applied to each item as its page arrives, so the page's parsed response can go at once. */
    map?: (item: Item<A>) => T;
  } = {},
): Promise<Listing<T>> {
  const pageSize = options.pageSize ?? 100;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const map = options.map ?? ((item: Item<A>) => item as unknown as T);
  const items: T[] = [];
  let totalElements: number | undefined;
  let previousFirstId: string | undefined;
  let pages = 0;
  const capExceeded = () => new DbsApiError('bad_response', 'PageCapExceeded', `${action}: more than ${maxPages} pages; stopping`, { action });
  const fetchPage = (pageNum: number) => api.call(action, { ...params, PageNum: pageNum, PageSize: pageSize } as ActionParams<A>);
  /** Takes one page in order; false when the listing has ended. */
  const accept = (page: ActionResponse<A>, pageNum: number): boolean => {
    pages++;
    const pageItems = page.Items as Item<A>[];
    totalElements = page.TotalElements ?? totalElements;
    // A server that ignores PageNum answers the same page again: that is not more data.
    const firstId = pageItems.length > 0 ? itemId(pageItems[0]) : undefined;
    if (pageNum > 0 && firstId !== undefined && firstId === previousFirstId) {
      throw new DbsApiError('bad_response', 'RepeatedPage', `${action}: page ${pageNum} repeats page ${pageNum - 1}`, { action });
    }
    previousFirstId = firstId;
    for (const item of pageItems) items.push(map(item));
    if (pageItems.length < pageSize) return false;
    if (totalElements !== undefined && items.length >= totalElements) return false;
    if (page.TotalPages !== undefined && pageNum + 1 >= page.TotalPages) return false;
    return true;
  };

  let more = accept(await fetchPage(0), 0);
  let next = 1;
  if (more && totalElements !== undefined) {
    const needed = Math.ceil(totalElements / pageSize);
    if (needed > maxPages) throw capExceeded();
    while (more && next < needed) {
      const from = next;
      const batch = await Promise.all(Array.from({ length: Math.min(PAGES_IN_FLIGHT, needed - from) }, (_, i) => fetchPage(from + i)));
      for (const page of batch) {
        more = accept(page, next);
        next += 1;
        if (!more) break;
      }
    }
  }
  for (; more; next++) {
    if (next >= maxPages) throw capExceeded();
    more = accept(await fetchPage(next), next);
  }
  return { items, pages, ...(totalElements !== undefined ? { totalElements } : {}) };
}

function itemId(item: unknown): string | undefined {
  const record = item as { BackupSetId?: unknown; BackupPlanId?: unknown; RestoreTaskId?: unknown; BackupGatewayId?: unknown };
  const id = record.BackupSetId ?? record.RestoreTaskId ?? record.BackupGatewayId ?? record.BackupPlanId;
  return typeof id === 'string' ? id : undefined;
}
