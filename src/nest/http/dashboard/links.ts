import type { OverviewFilters } from './overview-page';

/** A workflow's page, at one version or the newest. */
export function workflowLink(apiPath: string, workflowId: string, version?: string): string {
  const path = `${apiPath}/dashboard/workflows/${encodeURIComponent(workflowId)}`;
  return version === undefined ? path : `${path}?version=${encodeURIComponent(version)}`;
}

/** The overview with these filters, from this execution on (the next page). */
export function pageLink(
  apiPath: string,
  filters: OverviewFilters,
  before: string | undefined,
): string {
  const query = new URLSearchParams();
  if (filters.workflowId) query.set('workflowId', filters.workflowId);
  if (filters.status) query.set('status', filters.status);
  if (filters.q) query.set('q', filters.q);
  if (before) query.set('before', before);
  const search = query.toString();
  return `${apiPath}/dashboard${search ? `?${search}` : ''}`;
}
