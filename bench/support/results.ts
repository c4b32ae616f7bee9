import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const RESULTS_DIR = join(__dirname, '..', 'results');

/** Writes a benchmark's figures to bench/results/<name>.json, with when and on what they were taken. */
export function writeResults(name: string, figures: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const document = {
    benchmark: name,
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    ...figures,
  };
  writeFileSync(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(document, null, 2)}\n`);
}
