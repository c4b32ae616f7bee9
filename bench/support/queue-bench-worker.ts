/**
 * A benchmark worker process: `queue-bench-worker.ts workflow '<QueueBenchConfig>'` runs the
 * module's workers; `queue-bench-worker.ts raw '<{prefix, queue, concurrency, redisUrl}>'` runs a
 * bare BullMQ worker doing empty jobs, the baseline. With BENCH_PROFILE_TO set, a workflow worker
 * profiles its CPU from a `profile` line on stdin to the next and writes the profile there.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Worker } from 'bullmq';
import { CpuProfiler } from './cpu-profile';
import { REDIS_URL } from './backends';
import { bootQueueBenchApp, type QueueBenchConfig } from './queue-bench-app';

async function main(): Promise<void> {
  const [kind, json] = process.argv.slice(2);
  if (kind === 'workflow') {
    await bootQueueBenchApp({ ...(JSON.parse(json) as QueueBenchConfig), worker: true });
    const profileTo = process.env.BENCH_PROFILE_TO;
    // Profiled from a 'profile' line on stdin to the next, so start-up is left out (signals
    // would not do: Nest's shutdown hooks take SIGUSR2).
    if (profileTo) {
      const profiler = new CpuProfiler();
      let profiling = false;
      process.stdin.setEncoding('utf8').on('data', (text: string) => {
        if (!text.includes('profile')) return;
        profiling = !profiling;
        if (profiling) void profiler.start();
        else
          void profiler.stop().then((profile) => {
            writeFileSync(profileTo, JSON.stringify(profile));
            process.stdout.write('profiled\n');
          });
      });
    }
  } else {
    const { prefix, queue, concurrency, redisUrl } = JSON.parse(json) as {
      prefix: string;
      queue: string;
      concurrency: number;
      redisUrl?: string;
    };
    const worker = new Worker(queue, async () => null, {
      connection: { url: redisUrl ?? REDIS_URL },
      prefix,
      concurrency,
    });
    await worker.waitUntilReady();
    process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
  }
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
