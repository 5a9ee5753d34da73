import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import type { CustomEvent } from '../hooks/index.js';
import type { HttpMethod } from '../http/index.js';
import type { Declaration, EntryCall, LifecycleEvent, LifecycleInfo, TimerSchedule } from '../plugin/index.js';
import type { ChildSide, KindRow } from './declaration-kinds.js';

/**
 * The rows of N.E.K.O's registrations in the registration-kind table: entries, lifecycle handlers, timers,
 * custom events and HTTP routes of an isolated plugin. The app keeps what runs them (the entry registry, the
 * schedule, the HTTP server), so they behave as inline: validated, limited, owned by the plugin's scope.
 */

type Of<K extends Declaration['kind']> = Extract<Declaration, { kind: K }>;

export interface EntryWire { id: string; description?: string | undefined; input?: Record<string, unknown> | undefined; timeoutMs?: number | undefined }
export interface LifecycleWire { event: LifecycleEvent }
export interface TimerWire { id: string; schedule: TimerSchedule }
export interface CustomEventWire { type: string; id: string }
export interface RouteWire { method: HttpMethod; path: string }

/** An entry call as it crosses the pipe: the token names it for aborts, progress and exports. */
export interface EntryCallWire { token: string; args: unknown; caller: string | undefined; chain: readonly string[]; runId: string | undefined }

/** An HTTP request or response as it crosses the pipe (the body in base64: the channel is JSON). */
export interface HttpWire { method?: string; url?: string; status?: number; headers: [string, string][]; body: string }

const entry: KindRow<'entry', EntryWire> = {
  describe: (d) => ({
    id: d.id, description: d.options.description, timeoutMs: d.options.timeoutMs,
    // The app checks arguments against this before the call crosses; the process parses them again with the real
    // schema, so defaults and transforms apply as inline.
    input: d.options.input ? (z.toJSONSchema(d.options.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>) : undefined,
  }),
  standIn: (w, ref, link) => ({
    kind: 'entry',
    id: w.id,
    options: {
      ...(w.description !== undefined ? { description: w.description } : {}),
      ...(w.timeoutMs !== undefined ? { timeoutMs: w.timeoutMs } : {}),
      ...(w.input ? { input: z.fromJSONSchema(w.input as never) } : {}),
    },
    fn: async (args: unknown, call: EntryCall) => {
      const token = randomUUID();
      link.entryCalls.set(token, call);
      // The entry registry keeps the time limit (a run's is RUN_TIMEOUT_MS): the process call itself has none.
      const onAbort = (): void => void link.call('entry.abort', { token, reason: String(call.signal.reason ?? 'aborted') }).catch(() => undefined);
      call.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const payload: EntryCallWire = { token, args, caller: call.caller, chain: call.chain, runId: call.run?.id };
        return await link.call('declaration', { ref, payload }, { label: `entry ${w.id}`, timeoutMs: Infinity });
      } finally {
        call.signal.removeEventListener('abort', onAbort);
        link.entryCalls.delete(token);
      }
    },
  }),
  run: (d, payload: EntryCallWire, _scope, child) => child.runEntry(d, payload),
};

const lifecycle: KindRow<'lifecycle', LifecycleWire> = {
  describe: (d) => ({ event: d.event }),
  standIn: (w, ref, link) => ({
    kind: 'lifecycle',
    event: w.event,
    fn: (info: LifecycleInfo) => link.call('declaration', { ref, payload: info }, { label: `lifecycle ${w.event}` }),
  }),
  run: async (d, info: LifecycleInfo) => void (await d.fn(info)),
};

// The schedule stays in the app, so a timer runs only while its plugin is enabled, fires once across a cluster on
// Redis, and a tick still going in the process makes the next one skip, as inline.
const timer: KindRow<'timer', TimerWire> = {
  describe: (d) => ({ id: d.id, schedule: d.schedule }),
  standIn: (w, ref, link) => ({
    kind: 'timer',
    id: w.id,
    schedule: w.schedule,
    fn: (tick) => link.call('declaration', { ref, payload: tick }, { label: `timer ${w.id}` }),
  }),
  run: async (d, tick: { scheduledAt: number }) => void (await d.fn(tick)),
};

const customEvent: KindRow<'custom_event', CustomEventWire> = {
  describe: (d) => ({ type: d.type, id: d.id }),
  standIn: (w, ref, link) => ({
    kind: 'custom_event',
    type: w.type,
    id: w.id,
    fn: (payload: unknown, event: CustomEvent) => link.call('declaration', { ref, payload: { payload, event } }, { label: `custom event ${w.type}/${w.id}` }),
  }),
  run: async (d, p: { payload: unknown; event: CustomEvent }) => void (await d.fn(p.payload, p.event)),
};

const route: KindRow<'route', RouteWire> = {
  describe: (d) => ({ method: d.route.method, path: d.route.path }),
  standIn: (w, ref, link) => ({
    kind: 'route',
    route: {
      method: w.method,
      path: w.path,
      handler: async (c) => {
        const req = c.req.raw;
        const request: HttpWire = { method: req.method, url: req.url, headers: [...req.headers], body: Buffer.from(await req.arrayBuffer()).toString('base64') };
        const res = (await link.call('declaration', { ref, payload: request }, { label: `route ${w.method} ${w.path}` })) as HttpWire;
        return new Response(res.body ? Buffer.from(res.body, 'base64') : null, { status: res.status ?? 200, headers: res.headers });
      },
    },
  }),
  // The plugin's handler gets a real Hono context, routed by the same pattern, so `c.req.param()` and `c.json()` work.
  run: async (d, request: HttpWire, _scope, child) => {
    const app = new Hono().on(d.route.method, `/plugins/${child.pluginKey}${d.route.path}`, d.route.handler);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : Buffer.from(request.body, 'base64');
    const res = await app.fetch(new Request(request.url!, { method: request.method!, headers: request.headers, ...(body ? { body } : {}) }));
    return { status: res.status, headers: [...res.headers], body: Buffer.from(await res.arrayBuffer()).toString('base64') } satisfies HttpWire;
  },
};

export const NEKO_KINDS = { entry, lifecycle, timer, custom_event: customEvent, route };
export type { ChildSide };
