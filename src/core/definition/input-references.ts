import { REFERENCE, isPlainObject } from '../runtime/references';
import type { InputSpec, LocatedStep } from './definition-types';
import { stepLabel, type Problems } from './problems';

/** Keys holding nested steps, checked as steps of their own, or compiled values. */
const SKIPPED = new Set(['do', 'branches', 'pattern']);

/**
 * A workflow that declares its inputs can only be given those (others are refused at start), so
 * reading `$input.x` for an undeclared `x` is a typo that would read as missing.
 */
export function checkInputReferences(
  index: ReadonlyMap<string, LocatedStep>,
  inputs: Record<string, InputSpec>,
  problems: Problems,
): void {
  const declared = Object.keys(inputs);
  for (const { step } of index.values()) {
    const unknown = new Set<string>();
    const path = (text: string) => {
      const [head, name] = text.replace(/^\$/, '').split('.');
      if (head === 'input' && name !== undefined && !declared.includes(name)) unknown.add(name);
    };
    if (step.type === 'transform' && step.input !== undefined) path(step.input);
    const pending: unknown[] = Object.entries(step)
      .filter(([key]) => !SKIPPED.has(key) && !(step.type === 'transform' && key === 'input'))
      .map(([, value]) => value);
    while (pending.length > 0) {
      const value = pending.pop();
      if (typeof value === 'string') {
        for (const match of value.matchAll(REFERENCE)) path(match[1]);
      } else if (Array.isArray(value)) {
        pending.push(...value);
      } else if (isPlainObject(value)) {
        if (typeof value['field'] === 'string' && typeof value['op'] === 'string') {
          path(value['field']);
        }
        for (const [key, item] of Object.entries(value)) if (!SKIPPED.has(key)) pending.push(item);
      }
    }
    for (const name of unknown) {
      problems.add(
        stepLabel(step.id),
        `reads $input.${name}, but the workflow declares no input "${name}" (declared: ${declared.join(', ')})`,
      );
    }
  }
}
