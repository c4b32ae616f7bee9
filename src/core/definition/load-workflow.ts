import { readFileSync, statSync } from 'node:fs';
import { WorkflowValidationError } from '../errors';
import type { WorkflowDefinition } from './definition-types';
import { documentLimits, overLimit, type DocumentLimits } from './document-limits';
import { parseDefinition, type ServiceCatalog } from './parse-definition';
import type { StepTypeCatalog } from './parse-custom-step';
import { parseYaml } from './parse-yaml';

/** A workflow as an application gives it: a plain object, YAML text, or the path of a YAML/JSON file. */
export type WorkflowSource = string | Record<string, unknown>;

export function loadWorkflow(
  source: WorkflowSource,
  catalog?: ServiceCatalog,
  overrides?: Partial<DocumentLimits>,
  stepTypes?: StepTypeCatalog,
): WorkflowDefinition {
  const limits = documentLimits(overrides);
  if (typeof source !== 'string') return parseDefinition(source, catalog, limits, stepTypes);
  const isPath = !source.includes('\n') && /\.(ya?ml|json)$/i.test(source.trim());
  const origin = isPath ? `file ${source.trim()}` : 'YAML text';
  const text = isPath ? readSource(source.trim(), limits) : source;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxDocumentBytes) throw tooLarge(origin, bytes, limits);
  return parseDefinition(parseYaml(text, origin), catalog, limits, stepTypes);
}

function readSource(path: string, limits: DocumentLimits): string {
  try {
    // Checked before reading, so a huge file is never read into memory.
    const { size } = statSync(path);
    if (size > limits.maxDocumentBytes) throw tooLarge(`file ${path}`, size, limits);
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof WorkflowValidationError) throw error;
    throw new WorkflowValidationError(`Workflow file ${path}`, [
      `cannot be read: ${(error as Error).message}`,
    ]);
  }
}

function tooLarge(origin: string, bytes: number, limits: DocumentLimits): WorkflowValidationError {
  return new WorkflowValidationError(`Workflow ${origin}`, [
    `is ${overLimit(bytes, 'bytes', 'maxDocumentBytes', limits)}`,
  ]);
}
