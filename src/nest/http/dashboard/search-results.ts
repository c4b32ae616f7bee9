import { executionTable } from './execution-table';
import { SEARCH_WINDOW, type SearchResult } from './execution-search';
import { html, type SafeHtml } from './html';
import { pageLink } from './links';
import type { OverviewFilters } from './overview-page';

/** Results are not reloaded live (each reload would search again): the page says so. */
export function searchResults(
  apiPath: string,
  filters: OverviewFilters,
  result: SearchResult,
): SafeHtml {
  const scope = [filters.workflowId && `of ${filters.workflowId}`, filters.status]
    .filter(Boolean)
    .join(', ');
  return html`<section id="search" data-static="1">
    <h2>Search: “${filters.q}”</h2>
    ${
      filters.before
        ? ''
        : result.byId
          ? html`<p>Execution with this id:</p>
              ${executionTable(apiPath, [result.byId], 'search-by-id')}`
          : html`<p class="muted" id="no-id-match">No execution has this id.</p>`
    }
    <p id="search-scope">
      ${result.matches.length} execution(s) with an input value containing it, among the
      ${result.read} ${filters.before ? 'next older' : 'newest'}
      executions${scope ? ` (${scope})` : ''} read (at most ${SEARCH_WINDOW} per search).
    </p>
    ${result.matches.length ? executionTable(apiPath, result.matches, 'search-matches') : ''}
    <nav class="pages">
      ${
        result.continueAfter
          ? html`<a id="search-older" href="${pageLink(apiPath, filters, result.continueAfter)}"
              >Search the ${SEARCH_WINDOW} older executions</a
            >`
          : ''
      }
    </nav>
  </section>`;
}
