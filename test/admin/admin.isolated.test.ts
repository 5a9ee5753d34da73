import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAdminApp, type AdminTestApp } from '../support/admin.js';

const KEY = 'nekomata.example_isolated';

describe('the admin API and an isolated plugin', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await startAdminApp({ PLUGIN_DIRS: path.resolve('plugins/examples/isolated'), PLUGINS_ENABLED: KEY });
  });
  afterAll(() => t.stop());

  it('shows its process (state, pid, heap limit, restarts), and a reload brings a new pid', async () => {
    const before = (await t.json('/api/plugins')).find((p: { key: string }) => p.key === KEY);
    expect(before).toMatchObject({ state: 'enabled', runtime: { isolation: 'process', processState: 'running', memoryMb: 128, restarts: 0 } });
    expect(before.runtime.pid).not.toBe(process.pid);
    expect(await t.json(`/api/plugins/${KEY}/reload`, { method: 'POST' })).toMatchObject({ runtime: { isolation: 'process', processState: 'running' } });
    await vi.waitFor(async () => {
      const after = await t.json(`/api/plugins/${KEY}`);
      expect(after.runtime.pid).toBeGreaterThan(0);
      expect(after.runtime.pid).not.toBe(before.runtime.pid);
    });
  });

  it('measures each call into its process in a histogram', async () => {
    const text = await (await t.api('/metrics')).text();
    expect(text).toMatch(new RegExp(`plugin_process_call_seconds_count\\{plugin="${KEY.replace('.', '\\.')}",kind="callback",outcome="ok"\\} [1-9]`));
  });
});
