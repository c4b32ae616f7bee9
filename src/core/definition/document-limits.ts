/**
 * Bounds on a workflow document, so that loading it, and running it, costs a bounded amount
 * whoever wrote it. Each refusal names the limit, the value found and the workflow.
 */
export interface DocumentLimits {
  /**
   * Steps in the whole document, nested bodies included.
   * @defaultValue 1000
   */
  maxSteps: number;
  /**
   * Loop and parallel bodies inside one another (a top-level step is at depth 0, a step of a
   * loop's body at depth 1).
   * @defaultValue 10
   */
  maxBodyDepth: number;
  /**
   * Maps and lists inside one another anywhere in the document, counted from its top.
   * @defaultValue 64
   */
  maxValueDepth: number;
  /**
   * Bytes of YAML or JSON text, given as a string or a file. Parsing YAML takes a few seconds
   * per MiB, so this bounds the time a document can take to read.
   * @defaultValue 524288 (512 KiB)
   */
  maxDocumentBytes: number;
  /**
   * The largest `max` a loop may declare: it bounds the iterations of `over` and `while` loops.
   * @defaultValue 10000
   */
  maxLoopIterations: number;
}

/** The defaults: generous for documents people write, small enough that none can exhaust a process. */
export class DefaultDocumentLimits implements DocumentLimits {
  maxSteps = 1000;
  maxBodyDepth = 10;
  maxValueDepth = 64;
  maxDocumentBytes = 512 * 1024;
  maxLoopIterations = 10_000;
}

export function documentLimits(overrides: Partial<DocumentLimits> = {}): DocumentLimits {
  return { ...new DefaultDocumentLimits(), ...overrides };
}

/** "1,200 steps, more than the limit of 1,000 (maxSteps)" */
export function overLimit(
  value: number,
  unit: string,
  limit: keyof DocumentLimits,
  limits: DocumentLimits,
): string {
  const format = (n: number) => n.toLocaleString('en-US');
  return `${format(value)} ${unit}, more than the limit of ${format(limits[limit])} (${limit})`;
}
