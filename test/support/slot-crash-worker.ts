/**
 * Starts two executions of a workflow limited to one at a time, the first of which hangs holding
 * the slot, and waits to be killed: `slot-crash-worker.ts schema markFile`.
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { slotRunner } from './slot-holder';

async function main(): Promise<void> {
  const [schema, markFile] = process.argv.slice(2);
  const { runner } = await slotRunner(schema, markFile);
  const first = await runner.start('slotted', { name: 'first' }, undefined);
  const second = await runner.start('slotted', { name: 'second' }, undefined);
  while (!existsSync(markFile)) await new Promise((resolve) => setTimeout(resolve, 10));
  process.stdout.write(`ready ${first.id} ${second.id}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
