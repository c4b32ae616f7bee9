import { DBOS } from '@dbos-inc/dbos-sdk';

/** DBOS Transact on the same Postgres: a workflow of three trivial steps. */
export async function launchDbos(systemDatabaseUrl: string): Promise<{
  run: () => Promise<unknown>;
  shutdown: () => Promise<void>;
}> {
  const step = async () => 1;
  const threeSteps = DBOS.registerWorkflow(
    async () => {
      await DBOS.runStep(step, { name: 'one' });
      await DBOS.runStep(step, { name: 'two' });
      await DBOS.runStep(step, { name: 'three' });
      return 3;
    },
    { name: 'threeSteps' },
  );
  DBOS.setConfig({ name: 'dw-bench', applicationVersion: '0.1.0', systemDatabaseUrl });
  await DBOS.launch();
  return { run: () => threeSteps(), shutdown: () => DBOS.shutdown() };
}
