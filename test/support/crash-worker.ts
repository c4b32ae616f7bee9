/** Runs one execution of the crash workflow until it is killed: `crash-worker.ts schema id markFile`. */
import 'reflect-metadata';
import { crashEngine } from './crash-workflow';

async function main(): Promise<void> {
  const [schema, executionId, markFile] = process.argv.slice(2);
  const { engine } = await crashEngine(schema, markFile);
  process.stdout.write('ready\n');
  await engine.run('crashy', {}, { executionId });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
