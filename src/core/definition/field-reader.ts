import { isPlainObject } from '../runtime/references';
import { PROTOTYPE_NAME, variableNameProblem } from './names';
import { describeValue, type Problems } from './problems';

/** Reads typed keys of one raw map, recording a problem for each that is missing or malformed. */
export class FieldReader {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly where: string,
    readonly problems: Problems,
  ) {}

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  unknownKeys(allowed: readonly string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (!allowed.includes(key)) {
        this.problems.add(this.where, `unknown key "${key}" (allowed: ${allowed.join(', ')})`);
      }
    }
  }

  string(key: string, required = false): string | undefined {
    const value = this.raw[key];
    if (value === undefined) {
      if (required) this.problems.add(this.where, `"${key}" is required`);
      return undefined;
    }
    if (typeof value === 'string' && value.length > 0) return value;
    this.problems.add(
      this.where,
      `"${key}" must be a non-empty string, got ${describeValue(value)}`,
    );
    return undefined;
  }

  /** A context variable the step writes. */
  variable(key: string, required = false, fallback?: string): string | undefined {
    const name = this.string(key, required) ?? fallback;
    const problem = name === undefined ? null : variableNameProblem(name);
    if (problem === 'invalid') {
      this.problems.add(
        this.where,
        `"${key}" must be a variable name (letters, digits, _), got "${name}"`,
      );
    } else if (problem === 'built-in') {
      this.problems.add(this.where, `"${key}" cannot be "${name}": that name is built in`);
    } else if (problem === 'prototype') {
      this.problems.add(this.where, `"${key}" cannot be "${name}": ${PROTOTYPE_NAME}`);
    }
    if (problem) return undefined;
    return name;
  }

  number(
    key: string,
    options: { required?: boolean; integer?: boolean; min?: number; fallback?: number } = {},
  ): number | undefined {
    const value = this.raw[key];
    if (value === undefined) {
      if (options.required) this.problems.add(this.where, `"${key}" is required`);
      return options.fallback;
    }
    const valid =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!options.integer || Number.isInteger(value)) &&
      (options.min === undefined || value >= options.min);
    if (valid) return value;
    const kind = options.integer ? 'a whole number' : 'a number';
    const bound = options.min === undefined ? '' : ` ≥ ${options.min}`;
    this.problems.add(this.where, `"${key}" must be ${kind}${bound}, got ${describeValue(value)}`);
    return options.fallback;
  }

  map(key: string, required = false): Record<string, unknown> | undefined {
    const value = this.raw[key];
    if (value === undefined) {
      if (required) this.problems.add(this.where, `"${key}" is required`);
      return undefined;
    }
    if (isPlainObject(value)) return value;
    this.problems.add(this.where, `"${key}" must be a map, got ${describeValue(value)}`);
    return undefined;
  }

  list(key: string, required = false): unknown[] | undefined {
    const value = this.raw[key];
    if (value === undefined) {
      if (required) this.problems.add(this.where, `"${key}" is required`);
      return undefined;
    }
    if (Array.isArray(value)) return value;
    this.problems.add(this.where, `"${key}" must be a list, got ${describeValue(value)}`);
    return undefined;
  }
}
