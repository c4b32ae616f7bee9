import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

type Outcome = { ok: boolean; missingPeer?: boolean; message?: string };

describe('an application without the optional peers', () => {
  let outcomes: Record<string, Outcome>;

  beforeAll(() => {
    // A process of its own, where every optional peer fails to resolve as if not installed.
    const output = execFileSync(
      process.execPath,
      [
        '-r',
        join(__dirname, '../support/peers/without-optional-peers.js'),
        '-r',
        'ts-node/register/transpile-only',
        join(__dirname, '../support/peers/configure-module.ts'),
      ],
      { encoding: 'utf8' },
    );
    outcomes = JSON.parse(output.trim().split('\n').pop()!) as Record<string, Outcome>;
  });

  it('imports the package and runs in process with its own store', () => {
    expect(outcomes['import']).toEqual({ ok: true });
    expect(outcomes['in-process module with its own store']).toEqual({ ok: true });
  });

  it('records no telemetry, and needs neither @opentelemetry/api nor @nestjs/terminus', () => {
    expect(outcomes['telemetry without @opentelemetry/api']).toEqual({ ok: true });
  });

  it.each([
    ['redis store', /A Redis store without a `client`.*needs ioredis.*npm install ioredis$/],
    [
      'typeorm store',
      /The TypeORM store.*needs @nestjs\/typeorm and typeorm.*npm install @nestjs\/typeorm typeorm$/,
    ],
    ['queue', /The `queue` option needs bullmq, which is not installed. Run: npm install bullmq$/],
    [
      'testing module',
      /DurableWorkflowTestingModule.*needs @nestjs\/typeorm and typeorm and better-sqlite3.*npm install @nestjs\/typeorm typeorm better-sqlite3$/,
    ],
    [
      'http',
      /The `http` option needs class-validator and class-transformer.*npm install class-validator class-transformer$/,
    ],
  ])('is told, when it configures the %s, which packages to install', (feature, message) => {
    expect(outcomes[feature]).toMatchObject({ ok: false, missingPeer: true });
    expect(outcomes[feature].message).toMatch(message);
  });
});
