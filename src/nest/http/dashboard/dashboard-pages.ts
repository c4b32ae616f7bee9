/** The dashboard's pages, one module each. */
export { page } from './page-shell';
export { overview, type OverviewExtras, type OverviewFilters, type Tally } from './overview-page';
export { executionDetail, notFound, type ExecutionExtras } from './execution-page';
export { workflowPage, workflowNotFound } from './workflow-page';
