/**
 * The dashboard's pages, one module each. Other features add to them without editing them much:
 * lines under an execution's summary and buttons next to Cancel (`ExecutionExtras.notes`,
 * `actions`; a button's request goes in the script's `requests` table), sections on the overview
 * and on a workflow's page (`OverviewExtras.sections`, `workflowPage`'s `sections`).
 */
export { page } from './page-shell';
export { overview, type OverviewExtras, type OverviewFilters, type Tally } from './overview-page';
export { executionDetail, notFound, type ExecutionExtras } from './execution-page';
export { workflowPage, workflowNotFound } from './workflow-page';
