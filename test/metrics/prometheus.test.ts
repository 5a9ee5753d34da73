import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_CHAT_ROUTES } from '../../adapters/web/index.js';
import type { Adapter, AdapterHost } from '../../core/adapter/index.js';
import { HttpServer } from '../../core/http/index.js';
import { Metrics } from '../../core/metrics/index.js';
import { ADMIN_TOKEN, jsonOf, readEvents, startAdminApp, type AdminTestApp } from '../support/admin.js';
import { captureLogger } from '../support/logger.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

describe('Metrics in the Prometheus text format', () => {
  it('exports counters (one owner: read at scrape), histograms and gauges, with a HELP and TYPE each', async () => {
    const metrics = new Metrics();
    metrics.count('messages_total', { outcome: 'buffer' }, 3);
    const handle = metrics.counter('messages_sent_total', { adapter: 'web' });
    metrics.histogram('reply_latency_seconds', { help: 'latency', buckets: [0.1, 1] }).observe(0.5);
    metrics.gauge('adapters_connected', { help: 'open adapters', collect: () => 2 });
    let samples = parsePrometheusText((await metrics.render()).text);
    expect(sampleValue(samples, 'nekomata_messages_total', { outcome: 'buffer' })).toBe(3);
    expect(sampleValue(samples, 'nekomata_messages_sent_total', { adapter: 'web' })).toBe(0);
    expect(sampleValue(samples, 'nekomata_reply_latency_seconds_bucket', { le: '1' })).toBe(1);
    expect(sampleValue(samples, 'nekomata_adapters_connected')).toBe(2);
    handle.inc(2);
    metrics.count('messages_total', { outcome: 'record', extra: 'x' });
    samples = parsePrometheusText((await metrics.render()).text);
    expect(sampleValue(samples, 'nekomata_messages_sent_total', { adapter: 'web' })).toBe(2);
    // A label set with a new label name re-registers the family with the union of names.
    expect(sampleValue(samples, 'nekomata_messages_total', { outcome: 'record', extra: 'x' })).toBe(1);
    expect(sampleValue(samples, 'nekomata_messages_total', { outcome: 'buffer' })).toBe(3);
    expect((await metrics.render()).text).toContain('# HELP nekomata_messages_total Messages ingested');
  });
});

describe('GET /metrics and /readyz', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await startAdminApp();
  });
  afterAll(() => t.stop());
  const scrape = async () => parsePrometheusText(await (await fetch(`${t.url}/metrics`)).text());

  it('parses as Prometheus text, and its counters move when a message is handled', async () => {
    const before = await scrape();
    const res = await t.api(WEB_CHAT_ROUTES.send, { method: 'POST', body: JSON.stringify({ chat: { type: 'private', id: 'carol' }, userId: 'carol', text: '/echo counted' }) });
    expect(await jsonOf(res)).toMatchObject({ outcome: 'intercepted' });
    await readEvents(await t.api('/api/commands/execute', { method: 'POST', body: JSON.stringify({ text: '/echo again' }) }), (es) => es.some((e) => e.event === 'end'));
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(moved('nekomata_messages_received_total', { adapter: 'web' })).toBe(1);
    expect(moved('nekomata_messages_total', { outcome: 'intercepted' })).toBe(1);
    expect(moved('nekomata_messages_sent_total', { adapter: 'web' })).toBe(1);
    expect(moved('nekomata_commands_total', { command: 'built_in:echo', source: 'chat' })).toBe(1);
    expect(moved('nekomata_commands_total', { command: 'built_in:echo', source: 'admin' })).toBe(1);
    expect(moved('nekomata_command_duration_seconds_count', { command: 'built_in:echo' })).toBe(2);
    expect(sampleValue(after, 'nekomata_adapters_connected')).toBe(1);
    expect(after.some((s) => s.name === 'nekomata_buffer_depth' && s.labels.kind === 'buffered')).toBe(true);
  });

  it('is ready with every check’s reason in the body', async () => {
    const res = await fetch(`${t.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await jsonOf(res)).toEqual({
      status: 'ready',
      checks: [
        { name: 'http', ok: true, detail: 'serving' },
        { name: 'adapters', ok: true, detail: '1 connected' },
        { name: 'plugins', ok: true, detail: '3 enabled' },
      ],
    });
  });
});

describe('GET /readyz when something is down', () => {
  it('answers 503 naming the adapter that is not connected', async () => {
    let host: AdapterHost | undefined;
    const stub: Adapter = { name: 'stub', start: async (h) => void (host = h), stop: async () => undefined, send: async () => ({}) };
    const t = await startAdminApp({}, { adapters: [stub] });
    try {
      host!.closed('the platform went away');
      const res = await fetch(`${t.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await jsonOf(res)).toMatchObject({ status: 'not_ready', checks: expect.arrayContaining([{ name: 'adapters', ok: false, detail: 'not connected: stub (closed)' }]) });
    } finally {
      await t.stop();
    }
  });
});

describe('who may read /metrics', () => {
  const servers: HttpServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });
  async function serve(host: string, extra: { token?: string; metricsToken?: string }): Promise<string> {
    const server = new HttpServer(
      { host, port: 0, admin: { token: extra.token, sessionTtlMs: 60_000, origins: [] }, metricsToken: extra.metricsToken },
      { log: captureLogger().log, metrics: new Metrics() },
    );
    servers.push(server);
    await server.start();
    return `http://127.0.0.1:${new URL(server.url!.replace('[::]', '127.0.0.1')).port}/metrics`;
  }
  const get = (url: string, token?: string) => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {}).then((r) => r.status);

  it('is open on a loopback server without METRICS_TOKEN', async () => {
    expect(await get(await serve('127.0.0.1', {}))).toBe(200);
  });

  it('needs METRICS_TOKEN or the admin token off loopback, or whenever METRICS_TOKEN is set', async () => {
    const metricsToken = 'metrics-token-0123456789';
    const open = await serve('0.0.0.0', { token: ADMIN_TOKEN });
    expect(await get(open)).toBe(401);
    expect(await get(open, 'wrong-token-0123456789')).toBe(401);
    expect(await get(open, ADMIN_TOKEN)).toBe(200);
    const guarded = await serve('127.0.0.1', { metricsToken });
    expect(await get(guarded)).toBe(401);
    expect(await get(guarded, metricsToken)).toBe(200);
  });
});
