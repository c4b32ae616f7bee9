/**
 * Fault injection: queue mode on a scratch redis-server and the shared Postgres (a schema of its
 * own), three worker processes, ~100 executions with calls, approvals and timers, and random
 * SIGKILLs of workers for a minute (each replaced at once). Then it checks that every execution
 * reached a final state, and reports lost and stuck ones, steps that ran again, and recovery times:
 * from a kill to the next checkpoint of each execution the killed worker held a lease on.
 * `npm run bench:faults` (FAULTS_EXECUTIONS, FAULTS_CHAOS_S, FAULTS_LEASE_MS change the run).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { WorkflowService, type Execution } from '../src';
import { ScratchRedisServer } from '../test/support/redis-server';
import { DATABASE_URL } from './support/backends';
import { bootFaultsApp, FAULT_WORKFLOWS, type FaultsConfig } from './support/faults-app';
import { writeResults } from './support/results';
import { median, table } from './support/stats';

const EXECUTIONS = Number(process.env.FAULTS_EXECUTIONS ?? 99);
const CHAOS_MS = Number(process.env.FAULTS_CHAOS_S ?? 60) * 1000;
const LEASE_MS = Number(process.env.FAULTS_LEASE_MS ?? 5000);
const SWEEP_MS = 1000;
const WORKERS = 3;
/** How long the run waits, after the kills stop, for every execution to end. */
const SETTLE_MS = 120_000;

interface Worker {
  child: ChildProcess;
  exited: Promise<void>;
}

interface Kill {
  at: number;
  pid: number;
  held: { id: string; updatedAt: number }[];
}

/** Every worker process started, so that none outlives the run. */
const spawned: ChildProcess[] = [];

function startWorker(config: FaultsConfig): Promise<Worker> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(__dirname, 'support', 'faults-worker.ts'),
    ].concat(JSON.stringify(config)),
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  spawned.push(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve({ child, exited });
    });
    void exited.then(() => reject(new Error('a fault-injection worker exited while starting')));
  });
}

/** Executions the worker holds a live lease on (its lease owners start with its worker id). */
async function heldBy(db: Client, schema: string, pid: number): Promise<Kill['held']> {
  const owner = `${hostname().slice(0, 60)}:${pid}:%`;
  const { rows } = await db.query<{ id: string; updated: Date }>(
    `SELECT id, updated_at AS updated FROM ${schema}.workflow_executions
     WHERE lease_owner LIKE $1 AND lease_expires_at > (now() AT TIME ZONE 'UTC')
       AND status NOT IN ('completed', 'failed', 'cancelled')`,
    [owner],
  );
  return rows.map((row) => ({ id: row.id, updatedAt: row.updated.getTime() }));
}

/** Per held execution, ms from the kill to its next checkpoint (null: none within the run). */
async function watchRecovery(db: Client, schema: string, kill: Kill, until: () => boolean) {
  const pending = new Map(kill.held.map((h) => [h.id, h.updatedAt]));
  const times: number[] = [];
  while (pending.size > 0 && !until()) {
    const { rows } = await db.query<{ id: string; updated: Date }>(
      `SELECT id, updated_at AS updated FROM ${schema}.workflow_executions WHERE id = ANY($1)`,
      [[...pending.keys()]],
    );
    const now = Date.now();
    for (const row of rows) {
      if (row.updated.getTime() > (pending.get(row.id) ?? Infinity)) {
        times.push(now - kill.at);
        pending.delete(row.id);
      }
    }
    await delay(100);
  }
  return { times, unrecovered: pending.size };
}

/** Approves every execution halted at an approval whose resume was not yet accepted. */
async function approveHalted(workflows: WorkflowService, ids: string[]): Promise<void> {
  for (const id of ids) {
    const execution = await workflows.get(id).catch(() => null);
    if (execution?.status !== 'halted' || execution.haltData?.['type'] !== 'approval') continue;
    if (execution.runtime?.acceptedResume) continue;
    await workflows.resume(id, { approved: true }).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const redis = new ScratchRedisServer(['--save', '', '--appendonly', 'no']);
  await redis.start();
  const schema = `dw_faults_${randomBytes(4).toString('hex')}`;
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query(`CREATE SCHEMA ${schema}`);
  const config: FaultsConfig = {
    schema,
    redisUrl: redis.url,
    prefix: 'faults',
    worker: false,
    leaseMs: LEASE_MS,
    sweepIntervalMs: SWEEP_MS,
  };
  const web = await bootFaultsApp(config);
  const workflows = web.get(WorkflowService);
  const workers: Worker[] = [];
  const kills: Kill[] = [];
  const watches: Promise<{ times: number[]; unrecovered: number }>[] = [];
  let finished = false;
  try {
    workers.push(
      ...(await Promise.all(Array.from({ length: WORKERS }, () => startWorker(config)))),
    );
    const began = Date.now();
    const ids: string[] = [];
    // Starts spread over the whole minute, so there is work in flight at every kill.
    const starting = (async () => {
      for (let n = 0; n < EXECUTIONS; n++) {
        const workflow = FAULT_WORKFLOWS[n % FAULT_WORKFLOWS.length].id;
        ids.push((await workflows.start(workflow, { n })).id);
        await delay(CHAOS_MS / EXECUTIONS);
      }
    })();
    const approving = (async () => {
      while (!finished) {
        await approveHalted(workflows, [...ids]);
        await delay(500);
      }
    })();

    const replacements: Promise<void>[] = [];
    while (Date.now() - began < CHAOS_MS) {
      await delay(2000 + Math.random() * 4000);
      // At least one worker stays up; replacements join once they have started.
      if (workers.length < 2) continue;
      const victim = workers.splice(Math.floor(Math.random() * workers.length), 1)[0];
      const pid = victim.child.pid!;
      const held = await heldBy(db, schema, pid);
      const at = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      const kill = { at, pid, held };
      kills.push(kill);
      watches.push(watchRecovery(db, schema, kill, () => finished));
      replacements.push(startWorker(config).then((worker) => void workers.push(worker)));
    }
    await starting;
    await Promise.all(replacements);

    // Every execution ends, or the run gives up on it as stuck.
    const settleBy = Date.now() + SETTLE_MS;
    let executions: (Execution | null)[] = [];
    for (;;) {
      executions = await Promise.all(ids.map((id) => workflows.get(id)));
      const open = executions.filter(
        (e) => e && !['completed', 'failed', 'cancelled'].includes(e.status),
      );
      if (open.length === 0 || Date.now() > settleBy) break;
      await delay(500);
    }
    finished = true;
    await approving;
    const recoveries = await Promise.all(watches);
    const times = recoveries.flatMap((r) => r.times);
    const lost = executions.filter((e) => e === null).length;
    const stuck = executions.filter(
      (e) => e && !['completed', 'failed', 'cancelled'].includes(e.status),
    ).length;
    const status = (s: string) => executions.filter((e) => e?.status === s).length;
    let repeatedSteps = 0;
    for (const id of ids) {
      const started = (await workflows.entries(id)).filter((e) => e.action === 'started');
      const byStep = new Map<string, number>();
      for (const entry of started) byStep.set(entry.stepId, (byStep.get(entry.stepId) ?? 0) + 1);
      repeatedSteps += [...byStep.values()].filter((count) => count > 1).length;
    }
    const figures = {
      executions: ids.length,
      workers: WORKERS,
      chaosSeconds: CHAOS_MS / 1000,
      leaseMs: LEASE_MS,
      sweepIntervalMs: SWEEP_MS,
      kills: kills.length,
      killsHoldingLeases: kills.filter((k) => k.held.length > 0).length,
      completed: status('completed'),
      failed: status('failed'),
      lost,
      stuck,
      stepsRunAgain: repeatedSteps,
      recoveries: times.length,
      unrecovered: recoveries.reduce((sum, r) => sum + r.unrecovered, 0),
      recoveryMedianMs: times.length ? median(times) : null,
      recoveryMaxMs: times.length ? Math.max(...times) : null,
      recoveryTimesMs: times.sort((a, b) => a - b),
    };
    console.log(
      table(
        ['executions', 'kills', 'completed', 'failed', 'lost', 'stuck', 'recovery median', 'max'],
        [
          [
            figures.executions,
            figures.kills,
            figures.completed,
            figures.failed,
            lost,
            stuck,
            `${figures.recoveryMedianMs ?? '-'} ms`,
            `${figures.recoveryMaxMs ?? '-'} ms`,
          ],
        ],
      ),
    );
    console.log(
      `${figures.recoveries} recoveries measured over ${figures.killsHoldingLeases} kills that held leases; ${figures.stepsRunAgain} steps ran again (in flight at a kill).`,
    );
    writeResults('faults', figures);
  } finally {
    finished = true;
    const alive = spawned.filter((child) => child.exitCode === null && child.signalCode === null);
    const gone = alive.map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of alive) child.kill('SIGKILL');
    await Promise.all(gone);
    await web.close();
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.end();
    await redis.dispose();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
