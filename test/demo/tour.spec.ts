import { spawn } from 'node:child_process';
import { join } from 'node:path';

describe('npm run demo', () => {
  it('tours every workflow, survives the runner being killed, and exits 0', async () => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', '..', 'demo', 'tour.ts')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(output).toContain('That was the tour.');
    expect(code).toBe(0);
    expect(output).toMatch(/completed: \{"booked":false\}/);
    expect(output).toMatch(/"shipped":false,"reason":"out of stock: OUT-OF-STOCK-CHAIR"/);
    // After the kill: the interrupted step started twice, the order still shipped.
    expect(output).toMatch(/killed it with SIGKILL[\s\S]*"shipped":true,"tracking":"TRK-A-1003"/);
  }, 90_000);
});
