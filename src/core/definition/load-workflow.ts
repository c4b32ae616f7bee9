import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { WorkflowValidationError } from '../errors';
import type { WorkflowDefinition } from './definition-types';
import { parseDefinition, type ServiceCatalog } from './parse-definition';

/** A workflow as an application gives it: a plain object, YAML text, or the path of a YAML/JSON file. */
export type WorkflowSource = string | Record<string, unknown>;

export function loadWorkflow(source: WorkflowSource, catalog?: ServiceCatalog): WorkflowDefinition {
  if (typeof source !== 'string') return parseDefinition(source, catalog);
  const isPath = !source.includes('\n') && /\.(ya?ml|json)$/i.test(source.trim());
  const text = isPath ? readSource(source.trim()) : source;
  return parseDefinition(parseYaml(text, isPath ? source.trim() : 'YAML text'), catalog);
}

function readSource(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new WorkflowValidationError(`Workflow file ${path}`, [
      `cannot be read: ${(error as Error).message}`,
    ]);
  }
}

/** Plain YAML only: no custom tags, no code, bounded aliases. */
function parseYaml(text: string, origin: string): unknown {
  const document = parseDocument(text, {
    schema: 'core',
    customTags: [],
    uniqueKeys: true,
    merge: false,
    prettyErrors: true,
  });
  const problems = [...document.errors, ...document.warnings].map((issue) => issue.message);
  if (problems.length) throw new WorkflowValidationError(`Workflow ${origin}`, problems);
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The parser accepts some documents that only fail when built, such as an alias to no anchor.
    throw new WorkflowValidationError(`Workflow ${origin}`, [(error as Error).message]);
  }
}
