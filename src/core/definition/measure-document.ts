import { isPlainObject } from '../runtime/references';
import { overLimit, type DocumentLimits } from './document-limits';
import { stepLabel, type Problems } from './problems';

/**
 * Checks a parsed document's size against the limits before anything else reads it: parsing and
 * checking walk bodies and values recursively, so a document nested thousands deep would overflow
 * the stack, and one with 50,000 steps would be parsed in full only to be refused. Both walks here
 * use explicit stacks; steps are counted first, since that walk skips the values.
 */
export function measureDocument(
  raw: Record<string, unknown>,
  where: string,
  limits: DocumentLimits,
  problems: Problems,
): void {
  let steps = 0;
  const tooDeep = new Set<string | undefined>();
  const sequences: { steps: unknown; depth: number; owner?: string }[] = [
    { steps: raw['steps'], depth: 0 },
  ];
  while (sequences.length > 0) {
    const sequence = sequences.pop() as (typeof sequences)[number];
    if (!Array.isArray(sequence.steps)) continue;
    if (sequence.depth > limits.maxBodyDepth) {
      // Reported once per step, however many branches it has.
      if (tooDeep.has(sequence.owner)) continue;
      tooDeep.add(sequence.owner);
      problems.add(
        stepLabel(sequence.owner ?? '?'),
        `its body makes ${overLimit(sequence.depth, 'levels of nested bodies', 'maxBodyDepth', limits)}`,
      );
      continue;
    }
    for (const step of sequence.steps) {
      if (!isPlainObject(step)) continue;
      steps++;
      const owner = typeof step['id'] === 'string' ? step['id'] : '?';
      const depth = sequence.depth + 1;
      if (step['type'] === 'loop') sequences.push({ steps: step['do'], depth, owner });
      if (step['type'] === 'parallel' && Array.isArray(step['branches'])) {
        for (const branch of step['branches']) {
          sequences.push({ steps: Array.isArray(branch) ? branch : [branch], depth, owner });
        }
      }
    }
  }
  if (steps > limits.maxSteps) {
    problems.add(where, overLimit(steps, 'steps', 'maxSteps', limits));
    return;
  }
  const deepest = deepestValue(raw, limits.maxValueDepth);
  if (deepest) {
    problems.add(
      where,
      `${overLimit(deepest.depth, 'levels of maps and lists', 'maxValueDepth', limits)} at ${deepest.path}`,
    );
  }
}

interface Visit {
  value: unknown;
  depth: number;
  key: string;
  parent: Visit | null;
}

/** The first map or list found nested deeper than `limit`, with its path; null when none is. */
function deepestValue(root: unknown, limit: number): { depth: number; path: string } | null {
  const pending: Visit[] = [{ value: root, depth: 1, key: '', parent: null }];
  while (pending.length > 0) {
    const visit = pending.pop() as Visit;
    const { value, depth } = visit;
    const entries = Array.isArray(value)
      ? value.map((item, index) => [`[${index}]`, item] as const)
      : isPlainObject(value)
        ? Object.entries(value).map(([key, item]) => [`.${key}`, item] as const)
        : null;
    if (entries === null) continue;
    if (depth > limit) return { depth, path: pathOf(visit) };
    for (const [key, item] of entries) {
      pending.push({ value: item, depth: depth + 1, key, parent: visit });
    }
  }
  return null;
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | null = visit; at; at = at.parent) keys.unshift(at.key);
  return keys.join('').replace(/^\./, '');
}
