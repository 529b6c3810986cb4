/**
 * DBS pages are 0-based. A listing ends at the first short page, when TotalElements items
 * have been seen, or at a hard page cap, so a server that repeats the same page forever
 * cannot keep a poll running forever.
 */
import type { ActionParams, ActionResponse, DbsApi } from './api.js';
import { DbsApiError } from './errors.js';
import type { DbsAction, PageSize } from './schemas.js';

export const DEFAULT_MAX_PAGES = 200;

type PagedAction = DbsAction;
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

export async function listAll<A extends PagedAction>(
  api: DbsApi,
  action: A,
  params: Omit<ActionParams<A>, 'PageNum' | 'PageSize'>,
  options: PaginateOptions = {},
): Promise<Listing<Item<A>>> {
  const pageSize = options.pageSize ?? 100;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const items: Item<A>[] = [];
  let totalElements: number | undefined;
  let previousFirstId: string | undefined;
  let pages = 0;
  for (let pageNum = 0; ; pageNum++) {
    if (pageNum >= maxPages) {
      throw new DbsApiError('bad_response', 'PageCapExceeded', `${action}: more than ${maxPages} pages; stopping`, { action });
    }
    const page = await api.call(action, { ...params, PageNum: pageNum, PageSize: pageSize } as ActionParams<A>);
    pages++;
    const pageItems = page.Items as Item<A>[];
    totalElements = page.TotalElements ?? totalElements;
    // A server that ignores PageNum answers the same page again: that is not more data.
    const firstId = pageItems.length > 0 ? itemId(pageItems[0]) : undefined;
    if (pageNum > 0 && firstId !== undefined && firstId === previousFirstId) {
      throw new DbsApiError('bad_response', 'RepeatedPage', `${action}: page ${pageNum} repeats page ${pageNum - 1}`, { action });
    }
    previousFirstId = firstId;
    items.push(...pageItems);
    if (pageItems.length < pageSize) break;
    if (totalElements !== undefined && items.length >= totalElements) break;
    if (page.TotalPages !== undefined && pageNum + 1 >= page.TotalPages) break;
  }
  return { items, pages, ...(totalElements !== undefined ? { totalElements } : {}) };
}

function itemId(item: unknown): string | undefined {
  const record = item as { BackupSetId?: unknown; BackupPlanId?: unknown };
  const id = record.BackupSetId ?? record.BackupPlanId;
  return typeof id === 'string' ? id : undefined;
}
