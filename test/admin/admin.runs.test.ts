import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, readEvents, startAdminApp, type AdminTestApp } from '../support/admin.js';
import { halfwayPlugin } from '../support/run-plugin.js';

let t: AdminTestApp;
const plugin = halfwayPlugin();
beforeAll(async () => {
  t = await startAdminApp({ PLUGINS_ENABLED: `nekomata.example_config,${plugin.key}` }, { plugins: [plugin] });
});
afterAll(() => t.stop());

const post = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body) });

describe('runs through the admin API', () => {
  it('lists the entries a run can start, with their argument schema', async () => {
    const entries = await t.json('/api/entries');
    expect(entries.find((e: { plugin: string }) => e.plugin === plugin.key)).toMatchObject({
      id: 'work', description: 'Goes half way, then waits to be canceled', input: { type: 'object', properties: { label: { type: 'string' }, steps: { type: 'integer' } } },
    });
  });

  it('refuses arguments that fail the entry’s schema by field, an unknown entry or plugin, and a malformed body', async () => {
    const bad = await t.api('/api/runs', post({ plugin: plugin.key, entry: 'work', args: { label: '', steps: 'many' } }));
    expect(bad.status).toBe(422);
    const body = await jsonOf(bad);
    expect(body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['label', 'steps']);
    expect(body.error).toContain('label');
    expect((await t.api('/api/runs', post({ plugin: plugin.key, entry: 'nothing', args: {} }))).status).toBe(404);
    expect((await t.api('/api/runs', post({ plugin: 'nobody.nothing', entry: 'work', args: {} }))).status).toBe(404);
    const malformed = await t.api('/api/runs', post({ plugin: plugin.key, args: [] }));
    expect(malformed.status).toBe(400);
    expect((await jsonOf(malformed)).issues.map((i: { path: string }) => i.path).sort()).toEqual(['args', 'entry']);
    expect(await t.app.neko.runs.list({ plugin: plugin.key })).toEqual([]);
    expect((await t.api('/api/runs/no-such-run')).status).toBe(404);
    expect((await t.api('/api/runs/no-such-run/cancel', { method: 'POST' })).status).toBe(404);
  });

  it('starts a run, streams its progress, cancels it and streams the end; the changes are audited and on the bus', async () => {
    const res = await t.api('/api/runs', post({ plugin: plugin.key, entry: 'work', args: { label: 'from the API', steps: 2 } }));
    expect(res.status).toBe(201);
    const run = await jsonOf(res);
    expect(run).toMatchObject({ plugin: plugin.key, entry: 'work', status: 'queued', startedBy: 'api', args: { label: 'from the API', steps: 2 } });

    const stream = await t.api(`/api/runs/${run.id}/stream`);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    let canceled = false;
    const events = await readEvents(stream, (es) => {
      const last = es[es.length - 1]?.data;
      if (!canceled && last?.progress === 0.5) {
        canceled = true;
        void t.api(`/api/runs/${run.id}/cancel`, post({ reason: 'enough' }));
      }
      return last?.status === 'canceled';
    });
    expect(events.every((e) => e.event === 'run')).toBe(true);
    expect(events.find((e) => e.data.progress === 0.5)?.data).toMatchObject({ status: 'running', stage: 'half way', message: 'from the API' });
    expect(events[events.length - 1]!.data).toMatchObject({ status: 'canceled', cancelRequested: { reason: 'enough' } });
    expect(await t.json(`/api/runs/${run.id}`)).toMatchObject({ status: 'canceled' });
    expect((await t.json(`/api/runs?plugin=${plugin.key}`))[0]).toMatchObject({ id: run.id, status: 'canceled' });
    expect(await t.json(`/api/runs/${run.id}/exports`)).toEqual([]);
    // A finished run's stream sends its final state once and ends (read to the end of the body).
    const after = await readEvents(await t.api(`/api/runs/${run.id}/stream`), () => false);
    expect(after.map((e) => e.data.status)).toEqual(['canceled']);

    const audit = await t.json('/api/audit?limit=2');
    expect(audit.map((r: { action: string }) => r.action)).toEqual(['run.cancel', 'run.create']);
    await t.app.neko.bus.flush();
    const published = await t.json('/api/bus/lifecycle?type=admin&limit=2');
    expect(published.map((r: { payload: { action: string } }) => r.payload.action)).toEqual(['run.create', 'run.cancel']);
    expect(published[1]).toMatchObject({ topic: 'lifecycle', type: 'admin', text: expect.stringContaining(`run.cancel ${run.id} by token`) });
  });
});

describe('the bus through the admin API', () => {
  it('shows a topic’s recent records through its filters, and refuses an unknown topic', async () => {
    const runs = t.app.neko.bus.topic('runs');
    runs.publish({ type: 'note', plugin: 'a.b', text: 'first note' });
    runs.publish({ type: 'note', plugin: 'c.d', text: 'second note' });
    runs.publish({ type: 'other', plugin: 'a.b', text: 'third' });
    await t.app.neko.bus.flush();
    expect((await t.json('/api/bus/runs?type=note,other&plugin=a.b')).map((r: { text: string }) => r.text)).toEqual(['first note', 'third']);
    expect((await t.json('/api/bus/runs?text=note&limit=1')).map((r: { text: string }) => r.text)).toEqual(['second note']);
    const unknown = await t.api('/api/bus/nowhere');
    expect(unknown.status).toBe(400);
    expect((await jsonOf(unknown)).issues[0].path).toBe('topic');
    expect((await t.api('/api/bus/runs?limit=0')).status).toBe(400);
  });

  it('streams a topic live: the recent matching records, then each new one', async () => {
    const events = t.app.neko.bus.topic('events');
    events.publish({ type: 'custom_event', text: 'before the stream' });
    events.publish({ type: 'ignored', text: 'filtered out' });
    await t.app.neko.bus.flush();
    const res = await t.api('/api/bus/events/stream?type=custom_event&limit=5');
    let published = false;
    const got = await readEvents(res, (es) => {
      if (!published && es.length === 1) {
        published = true;
        events.publish({ type: 'ignored', text: 'filtered out too' });
        events.publish({ type: 'custom_event', text: 'after the stream started' });
      }
      return es.length >= 2;
    });
    expect(got.map((e) => [e.event, e.data.text])).toEqual([['record', 'before the stream'], ['record', 'after the stream started']]);
  });

  it('shows chat history on memory, live and read back under one id per entry', async () => {
    const chatKey = 'test-private_admin-memory';
    t.app.history.record({ kind: 'note', chatKey, text: 'recorded before' });
    const res = await t.api(`/api/bus/memory/stream?chat=${chatKey}&limit=5`);
    let recorded = false;
    const got = await readEvents(res, (es) => {
      if (!recorded && es.length === 1) {
        recorded = true;
        t.app.history.record({ kind: 'note', chatKey, text: 'recorded live' });
      }
      return es.length >= 2;
    });
    expect(got.map((e) => [e.data.type, e.data.text])).toEqual([['system', 'recorded before'], ['system', 'recorded live']]);
    const read = await t.json(`/api/bus/memory?chat=${chatKey}`);
    expect(read.map((r: { id: string }) => r.id)).toEqual(got.map((e) => e.data.id));
  });
});
