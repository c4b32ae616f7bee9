/** A worker process of the fault-injection run: `faults-worker.ts '<FaultsConfig as JSON>'`. */
import 'reflect-metadata';
import { bootFaultsApp, type FaultsConfig } from './faults-app';

bootFaultsApp({ ...(JSON.parse(process.argv[2]) as FaultsConfig), worker: true }).then(
  () => process.stdout.write('ready\n'),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
