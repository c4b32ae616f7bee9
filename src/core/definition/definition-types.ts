/** A workflow document after validation: what the engine runs. Keys keep the document's spelling. */
export interface WorkflowDefinition {
  id: string;
  name: string;
  version: string;
  description?: string;
  /** Whole-run budget in seconds. */
  timeout?: number;
  inputs: Record<string, InputSpec>;
  steps: StepDefinition[];
  /** Every step by id, nested bodies included, with the sequence it belongs to. */
  index: ReadonlyMap<string, LocatedStep>;
  /** Some step reads `$history`: completed steps are then kept with the execution for it. */
  readsHistory?: boolean;
}

export type InputType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

export interface InputSpec {
  /** Absent: any value is accepted, as the original format allows. */
  type?: InputType;
  required: boolean;
  default?: unknown;
  description?: string;
  /** The input's `schema` (JSON Schema), compiled at load. */
  schema?: CompiledSchema;
}

/** A JSON Schema compiled at load time. */
export interface CompiledSchema {
  /** The schema as the document wrote it. */
  readonly source: unknown;
  /** The first place `value` breaks the schema, or null when it conforms. */
  check(value: unknown): SchemaViolation | null;
}

/** Where a value breaks its schema: a JSON path (`$.lines[0].sku`) and what is wrong there. */
export interface SchemaViolation {
  path: string;
  message: string;
}

export const CONDITION_OPS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'ends_with',
  'matches',
  'exists',
  'empty',
  'truthy',
  'falsy',
  'not_exists',
] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export interface Condition {
  field: string;
  op: ConditionOp;
  value?: unknown;
  /** Compiled at load time for `matches`; absent when the pattern comes from a reference. */
  pattern?: CompiledPattern;
}

/** A `matches` pattern compiled with RE2 semantics: testing takes time linear in the text. */
export interface CompiledPattern {
  /** True when the pattern matches somewhere in `text`. */
  test(text: string): boolean;
}

export const STEP_TYPES = [
  'start',
  'end',
  'assign',
  'call',
  'router',
  'loop',
  'parallel',
  'transform',
  'halt',
  'approval',
  'workflow',
  'wait',
  'event',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const FINISHED = '__FINISHED__';

interface BaseStep {
  id: string;
  next?: string;
  on_error?: string;
}

export interface StartStep extends BaseStep {
  type: 'start';
  /** Accepted for documents of the original format; inputs are always checked. */
  validate_input?: boolean;
}
export interface EndStep extends BaseStep {
  type: 'end';
  result?: unknown;
}
export interface AssignStep extends BaseStep {
  type: 'assign';
  set: Record<string, unknown>;
}
export interface CallStep extends BaseStep {
  type: 'call';
  service: string;
  method: string;
  input?: unknown;
  output?: string;
  /** From `output: {key, schema}`: the result must conform before it is stored. */
  output_schema?: CompiledSchema;
  timeout?: number;
  retries: number;
  retry_delay: number;
  retry_backoff: number;
}
export interface RouterStep extends BaseStep {
  type: 'router';
  routes: { when: Condition; then: string }[];
  default?: string;
}
export interface LoopStep extends BaseStep {
  type: 'loop';
  over?: unknown;
  while?: Condition;
  as: string;
  index_as: string;
  do: StepDefinition[];
  output?: string;
  max: number;
  on_exhausted?: string;
}
export interface ParallelStep extends BaseStep {
  type: 'parallel';
  branches: StepDefinition[][];
  wait: 'all' | 'any' | number;
  output?: string;
}
export interface TransformStep extends BaseStep {
  type: 'transform';
  /** A path without `$`; absent: the whole context. */
  input?: string;
  expression: TransformOp[];
  output?: string;
}
export interface HaltStep extends BaseStep {
  type: 'halt';
  reason?: string;
  data?: Record<string, unknown>;
  resume_step?: string;
}
export interface ApprovalStep extends BaseStep {
  type: 'approval';
  prompt?: string;
  context?: unknown;
  approvers?: unknown;
  on_reject?: string;
  timeout?: number;
  on_timeout?: string;
}
export interface SubWorkflowStep extends BaseStep {
  type: 'workflow';
  workflow_id: string;
  input?: unknown;
  output?: string;
  /** Seconds the child may take before it is cancelled and the step fails. */
  timeout?: number;
}
export interface WaitStep extends BaseStep {
  type: 'wait';
  seconds?: number;
  until?: string;
}

/**
 * A step of a type the application registered. In the document `type` is the registered name; here
 * it is `custom`, the name is `step_type`, and every key that is not common is in `config`.
 */
export interface CustomStepDefinition extends BaseStep {
  type: 'custom';
  step_type: string;
  config: Record<string, unknown>;
  output?: string;
  output_schema?: CompiledSchema;
  timeout?: number;
  retries: number;
  retry_delay: number;
  retry_backoff: number;
}

export interface EventStep extends BaseStep {
  type: 'event';
  name: string;
  /** Payload fields and the values they must equal; values may be references. */
  match: Record<string, unknown>;
  timeout?: number;
  on_timeout?: string;
  output?: string;
  /** Seconds before the step was reached that an event may have been sent and still count. */
  lookback: number;
}

export type StepDefinition =
  | StartStep
  | EndStep
  | AssignStep
  | CallStep
  | RouterStep
  | LoopStep
  | ParallelStep
  | TransformStep
  | HaltStep
  | ApprovalStep
  | SubWorkflowStep
  | WaitStep
  | CustomStepDefinition
  | EventStep;

export const TRANSFORM_OPS = [
  'map',
  'select',
  'reject',
  'pluck',
  'first',
  'last',
  'flatten',
  'compact',
  'uniq',
  'reverse',
  'sort',
  'count',
  'sum',
  'keys',
  'values',
  'pick',
  'omit',
  'merge',
] as const;
export type TransformOpName = (typeof TRANSFORM_OPS)[number];

export interface TransformOp {
  op: TransformOpName;
  arg: unknown;
  /** Compiled for `select` and `reject` given a condition. */
  condition?: Condition;
  /** For `select` and `reject` given a map: every field (a path in the item) must equal its value. */
  fields?: Record<string, unknown>;
}

/** The step's type as the document wrote it (and as the trail and dashboard show it). */
export function stepTypeName(step: StepDefinition): string {
  return step.type === 'custom' ? step.step_type : step.type;
}

/** Where a step sits: the sequence it belongs to, and the loop or parallel step that owns it. */
export interface LocatedStep {
  step: StepDefinition;
  sequence: StepDefinition[];
  position: number;
  owner: LoopStep | ParallelStep | null;
}
