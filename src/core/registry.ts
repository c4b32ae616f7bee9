import type { WorkflowDefinition } from './definition/definition-types';
import type { DocumentLimits } from './definition/document-limits';
import { loadWorkflow, type WorkflowSource } from './definition/load-workflow';
import type { ServiceCatalog } from './definition/parse-definition';
import type { StepTypeCatalog } from './definition/parse-custom-step';
import { subWorkflowCycles } from './definition/sub-workflow-cycles';
import { WorkflowNotFoundError, WorkflowValidationError } from './errors';

/**
 * Workflows by id and version. New executions use the newest version; an execution keeps the
 * version it started on.
 */
export class WorkflowRegistry {
  private readonly workflows = new Map<string, Map<string, WorkflowDefinition>>();

  constructor(
    private readonly catalog?: ServiceCatalog,
    /** Overrides of the document limits, for every workflow loaded here. */
    private readonly limits?: Partial<DocumentLimits>,
    /** The custom step types documents may use. */
    private readonly stepTypes?: StepTypeCatalog,
  ) {}

  /** Loads, validates and registers; a workflow that fails validation is not registered. */
  register(source: WorkflowSource | WorkflowDefinition): WorkflowDefinition {
    const definition = isDefinition(source)
      ? source
      : loadWorkflow(source, this.catalog, this.limits, this.stepTypes);
    const versions = this.workflows.get(definition.id) ?? new Map<string, WorkflowDefinition>();
    if (versions.has(definition.version)) {
      throw new WorkflowValidationError(`Workflow "${definition.id}"`, [
        `version "${definition.version}" is registered twice; give the new one another version`,
      ]);
    }
    versions.set(definition.version, definition);
    this.workflows.set(definition.id, versions);
    return definition;
  }

  /**
   * Registers several at once, then checks that every sub-workflow they name exists and that no
   * workflow runs itself, directly or through others.
   */
  registerAll(sources: readonly (WorkflowSource | WorkflowDefinition)[]): WorkflowDefinition[] {
    const problems: string[] = [];
    const registered: WorkflowDefinition[] = [];
    for (const source of sources) {
      try {
        registered.push(this.register(source));
      } catch (error) {
        if (!(error instanceof WorkflowValidationError)) throw error;
        problems.push(...error.problems.map((problem) => `${error.subject}: ${problem}`));
      }
    }
    problems.push(...this.missingSubWorkflows());
    problems.push(...subWorkflowCycles(this.allVersions()));
    if (problems.length) throw new WorkflowValidationError('Workflows', problems);
    return registered;
  }

  get(workflowId: string, version?: string): WorkflowDefinition {
    const versions = this.workflows.get(workflowId);
    if (!versions) throw new WorkflowNotFoundError(workflowId);
    if (version === undefined)
      return versions.get(newest([...versions.keys()])) as WorkflowDefinition;
    const definition = versions.get(version);
    if (!definition) {
      throw new WorkflowNotFoundError(workflowId, version, [...versions.keys()]);
    }
    return definition;
  }

  has(workflowId: string): boolean {
    return this.workflows.has(workflowId);
  }

  ids(): string[] {
    return [...this.workflows.keys()];
  }

  versions(workflowId: string): string[] {
    return [...(this.workflows.get(workflowId)?.keys() ?? [])].sort(compareVersions);
  }

  private *allVersions(): Iterable<WorkflowDefinition> {
    for (const versions of this.workflows.values()) yield* versions.values();
  }

  private missingSubWorkflows(): string[] {
    const problems: string[] = [];
    for (const versions of this.workflows.values()) {
      for (const definition of versions.values()) {
        for (const { step } of definition.index.values()) {
          if (step.type === 'workflow' && !this.workflows.has(step.workflow_id)) {
            problems.push(
              `Workflow "${definition.id}": step "${step.id}": runs workflow "${step.workflow_id}", which is not registered`,
            );
          }
        }
      }
    }
    return problems;
  }
}

function isDefinition(source: unknown): source is WorkflowDefinition {
  return (
    typeof source === 'object' &&
    source !== null &&
    (source as WorkflowDefinition).index instanceof Map
  );
}

function newest(versions: string[]): string {
  return versions.sort(compareVersions)[versions.length - 1];
}

/** "2" > "1", "1.10" > "1.9", then text order. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const order = !Number.isNaN(nx) && !Number.isNaN(ny) ? nx - ny : x.localeCompare(y);
    if (order !== 0) return order;
  }
  return 0;
}
