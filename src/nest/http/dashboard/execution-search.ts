import type { FindQuery } from '../../../core/store/workflow-store';
import type { Execution, ExecutionStatus } from '../../../core/types';

/** Executions whose input one search reads, newest first; "Search older" goes on from the last. */
export const SEARCH_WINDOW = 500;
/** Executions read from the store per query while searching. */
const SEARCH_PAGE = 100;
/** Longest search text accepted. */
export const SEARCH_MAX_LENGTH = 200;
/** Input values looked at per execution, and how deep, so one huge input can't stall a search. */
const VALUES_PER_INPUT = 1000;
const DEPTH = 8;

export interface SearchQuery {
  text: string;
  workflowId?: string;
  status?: ExecutionStatus;
  /** Go on after this execution (the last one a previous search read). */
  before?: string;
}

export interface SearchResult {
  /** The execution whose id is the text, whatever the filters. */
  byId: Execution | null;
  /** Executions with an input value containing the text, among those read. */
  matches: Execution[];
  /** How many executions' inputs were read. */
  read: number;
  /** The last execution read, when older ones remain. */
  continueAfter?: string;
}

/**
 * A search that costs a bounded amount: one lookup of the text as an execution id, and a scan of
 * the input values of at most `window` executions (newest first, within the filters), a
 * page at a time. A string value matches when it contains the text (ignoring case), a number or
 * boolean when it is the text.
 */
export async function searchExecutions(
  store: {
    get(id: string): Promise<Execution | null>;
    find(query: FindQuery): Promise<Execution[]>;
  },
  query: SearchQuery,
  window = SEARCH_WINDOW,
): Promise<SearchResult> {
  const byId = query.before ? null : await store.get(query.text);
  const needle = query.text.toLowerCase();
  const matches: Execution[] = [];
  let read = 0;
  let before = query.before;
  let more = true;
  while (more && read < window) {
    const limit = Math.min(SEARCH_PAGE, window - read);
    const page = await store.find({
      workflowId: query.workflowId,
      status: query.status,
      before,
      limit,
    });
    read += page.length;
    matches.push(...page.filter((e) => inputContains(e.input, needle)));
    more = page.length === limit;
    before = page[page.length - 1]?.id ?? before;
  }
  return { byId, matches, read, continueAfter: more ? before : undefined };
}

function inputContains(input: unknown, needle: string): boolean {
  let budget = VALUES_PER_INPUT;
  const visit = (value: unknown, depth: number): boolean => {
    if (--budget < 0) return false;
    if (typeof value === 'string') return value.toLowerCase().includes(needle);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value) === needle;
    if (depth >= DEPTH || value === null || typeof value !== 'object') return false;
    return Object.values(value).some((v) => visit(v, depth + 1));
  };
  return visit(input, 0);
}
