import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoAppModule } from '../../demo/app.module';
import { demoConfig } from '../../demo/demo-config';

describe('the demo application', () => {
  it('listens on loopback, and refuses another interface with the well-known key', () => {
    expect(demoConfig({ SQLITE_FILE: '/tmp/unused.sqlite' }).host).toBe('127.0.0.1');
    expect(() => demoConfig({ SQLITE_FILE: '/tmp/unused.sqlite', HOST: '0.0.0.0' })).toThrow(
      /HOST=0.0.0.0 lets other machines reach the demo.*set DEMO_API_KEY/,
    );
    expect(
      demoConfig({ SQLITE_FILE: '/tmp/unused.sqlite', HOST: '0.0.0.0', DEMO_API_KEY: 's3cret' })
        .host,
    ).toBe('0.0.0.0');
  });

  describe('signing in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-demo-'));
    let app: INestApplication;
    let base: string;

    beforeAll(async () => {
      const config = demoConfig({ SQLITE_FILE: join(dir, 'demo.sqlite') });
      const ref = await Test.createTestingModule({
        imports: [DemoAppModule.register(config, { http: true })],
      }).compile();
      app = ref.createNestApplication({ logger: false });
      await app.listen(0, '127.0.0.1');
      base = await app.getUrl();
    });
    afterAll(async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('puts the key in an HttpOnly same-site cookie, so no dashboard URL carries it', async () => {
      expect((await fetch(`${base}/signin?key=wrong`, { redirect: 'manual' })).status).toBe(401);
      const signedIn = await fetch(`${base}/signin?key=demo`, { redirect: 'manual' });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('location')).toBe('/workflows/dashboard');
      const cookie = signedIn.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^workflow_key=demo;/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);

      expect((await fetch(`${base}/workflows/dashboard`)).status).toBe(403);
      const dashboard = await fetch(`${base}/workflows/dashboard`, {
        headers: { cookie: cookie.split(';')[0] },
      });
      expect(dashboard.status).toBe(200);
      expect(await dashboard.text()).not.toContain('key=');
    });
  });
});
