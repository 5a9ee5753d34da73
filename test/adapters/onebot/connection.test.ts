import { afterEach, describe, expect, it } from 'vitest';
import { backoffCeiling } from '../../../adapters/onebot/backoff.js';
import type { OneBotConnection } from '../../../adapters/onebot/connection.js';
import {
  OneBotNotConnectedError,
  type LinkDown,
  type MalformedFrame,
  type OneBotFrame,
  type SocketRole,
  type StateChange,
} from '../../../adapters/onebot/connection-types.js';
import { ForwardDialer, type DialRetry, type ForwardDialerOptions } from '../../../adapters/onebot/forward.js';
import { ReverseServer, type ReverseRejection, type ReverseServerOptions } from '../../../adapters/onebot/reverse.js';
import { Metrics } from '../../../core/metrics/index.js';
import { FakeOneBot, type FakeOneBotOptions } from '../../peers/onebot/fake-onebot.js';
import { sleep, until } from '../../support/messages.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Everything a connection (or dialer) emitted, and `order` as `event:detail` strings for sequence checks. */
interface Observed {
  order: string[];
  states: StateChange[];
  frames: { frame: OneBotFrame; role: SocketRole }[];
  malformed: MalformedFrame[];
  downs: LinkDown[];
  retries: DialRetry[];
}

function observe(emitter: OneBotConnection | ForwardDialer): Observed {
  const seen: Observed = { order: [], states: [], frames: [], malformed: [], downs: [], retries: [] };
  // Both emit the connection's events (the dialer re-emits them); TypeScript cannot unify the two typed `on`s.
  const on = emitter.on.bind(emitter) as OneBotConnection['on'];
  on('state', (change) => {
    seen.states.push(change);
    seen.order.push(`state:${change.state}`);
  });
  on('frame', (frame, role) => {
    seen.frames.push({ frame, role });
    seen.order.push(`frame:${String(frame.meta_event_type ?? frame.post_type ?? 'response')}`);
  });
  on('malformed', (frame) => {
    seen.malformed.push(frame);
    seen.order.push(`malformed:${frame.kind}`);
  });
  on('down', (down) => {
    seen.downs.push(down);
    seen.order.push(`down:${down.reason}`);
  });
  on('identified', (selfId) => seen.order.push(`identified:${selfId}`));
  return seen;
}

const onlineCount = (seen: Observed): number => seen.states.filter((s) => s.state === 'online').length;
const hasFrame = (seen: Observed, match: (frame: OneBotFrame) => boolean): boolean => seen.frames.some((f) => match(f.frame));

async function startFake(options: FakeOneBotOptions): Promise<FakeOneBot> {
  const fake = new FakeOneBot(options);
  cleanups.push(() => fake.stop());
  await fake.start();
  return fake;
}


describe('forward WS: the bot dials OneBot', () => {
  function dial(url: string, options: Partial<ForwardDialerOptions> = {}): { dialer: ForwardDialer; seen: Observed; metrics: Metrics } {
    const metrics = new Metrics();
    const dialer = new ForwardDialer({ url, pingIntervalMs: 0, backoff: { baseMs: 4, capMs: 32 }, metrics, ...options });
    const seen = observe(dialer);
    dialer.on('retry', (retry) => {
      seen.retries.push(retry);
      seen.order.push(`retry:${retry.attempt}`);
    });
    cleanups.push(() => dialer.close());
    dialer.start();
    return { dialer, seen, metrics };
  }

  it('sends the token as a Bearer header, goes online and learns the account from lifecycle.connect', async () => {
    const fake = await startFake({ selfId: 10001, mode: 'forward', token: 's3cret' });
    const { dialer, seen } = dial(fake.url, { accessToken: 's3cret' });
    await until(() => hasFrame(seen, (f) => f.meta_event_type === 'lifecycle'), 'lifecycle.connect');

    expect(fake.handshakes.map((h) => h.headers.authorization)).toEqual(['Bearer s3cret']);
    expect(seen.order).toEqual(['state:online', 'identified:10001', 'frame:lifecycle']);
    expect(dialer.selfId).toBe('10001');
    expect(dialer.state).toBe('online');
  });

  it('learns the account from an X-Self-ID response header before any frame', async () => {
    const fake = await startFake({ selfId: 10002, mode: 'forward', selfIdHeader: true });
    const { seen } = dial(fake.url);
    await until(() => seen.frames.length > 0, 'first frame');

    expect(seen.order).toEqual(['identified:10002', 'state:online', 'frame:lifecycle']);
  });

  it('sends action frames and receives the echoed response', async () => {
    const fake = await startFake({ selfId: 10003, mode: 'forward' });
    const { dialer, seen } = dial(fake.url);
    await until(() => dialer.state === 'online', 'online');

    dialer.sendFrame({ action: 'get_login_info', params: {}, echo: 'e-1' });
    const call = await fake.waitForCall('get_login_info');
    await until(() => hasFrame(seen, (f) => f.echo === 'e-1'), 'the response');

    expect(call).toMatchObject({ echo: 'e-1', role: 'universal' });
    expect(seen.frames.at(-1)?.frame).toEqual({ status: 'ok', retcode: 0, data: { user_id: 10003, nickname: 'fake-10003' }, echo: 'e-1' });
  });

  it.each([
    ['wrong', 'nope'],
    ['missing', undefined],
  ])('keeps retrying and never goes online when the token is %s (OneBot answers 401)', async (_case, token) => {
    const fake = await startFake({ selfId: 10004, mode: 'forward', token: 's3cret' });
    const { dialer, seen } = dial(fake.url, token === undefined ? {} : { accessToken: token });
    await until(() => seen.retries.length >= 3, 'three retries');

    expect(seen.retries.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(fake.handshakes.map((h) => h.status)).toEqual(expect.arrayContaining([401, 401, 401]));
    expect(fake.handshakes[0]?.headers.authorization).toBe(token === undefined ? undefined : `Bearer ${token}`);
    expect(fake.connectionCount).toBe(0);
    expect(dialer.state).toBe('connecting');
  });

  it('redials with growing, capped, jittered delays after the peer drops, and starts over after a success', async () => {
    const fake = await startFake({ selfId: 10005, mode: 'forward' });
    const { seen, metrics } = dial(fake.url);
    await until(() => onlineCount(seen) === 1, 'online');

    fake.refuseConnections(503);
    await fake.drop();
    await until(() => seen.retries.length >= 6, 'six retries');
    fake.acceptConnections();
    await until(() => onlineCount(seen) === 2, 'back online');

    const retries = seen.retries.slice(0, 6);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(retries[0]?.cause).toMatch(/socket lost/);
    expect(retries.slice(1).map((r) => r.status)).toEqual([503, 503, 503, 503, 503]);
    retries.forEach((r, i) => {
      const ceiling = backoffCeiling(i, 4, 32);
      expect(r.delayMs).toBeGreaterThanOrEqual(ceiling / 2);
      expect(r.delayMs).toBeLessThanOrEqual(ceiling);
    });
    const growing = retries.slice(0, 4).map((r) => r.delayMs);
    expect(growing).toEqual([...growing].sort((a, b) => a - b));
    expect(seen.states.map((s) => s.state)).toEqual(['online', 'reconnecting', 'online']);
    expect(metrics.get('onebot_dial_retries_total')).toBe(seen.retries.length);

    await fake.drop();
    await until(() => seen.retries.length > 6 && onlineCount(seen) === 3, 'the next drop and redial');
    expect(seen.retries.at(-1)?.attempt).toBe(1);
  });

  it('drops a link that goes silent after heartbeats (watchdog) and redials', async () => {
    const fake = await startFake({ selfId: 10006, mode: 'forward', heartbeatMs: 10 });
    const { seen } = dial(fake.url);
    await until(() => hasFrame(seen, (f) => f.meta_event_type === 'heartbeat'), 'a heartbeat');

    fake.goSilent();
    await until(() => onlineCount(seen) === 2, 'redialed');

    expect(seen.downs).toEqual([expect.objectContaining({ reason: 'watchdog', role: 'universal', detail: expect.stringMatching(/heartbeat/) })]);
    const order = seen.order.filter((e) => e.startsWith('state') || e.startsWith('down') || e.startsWith('retry'));
    expect(order).toEqual(['state:online', 'down:watchdog', 'state:reconnecting', 'retry:1', 'state:online']);
    expect(fake.connectionCount).toBe(2);
  });

  it('watches a link from its first moment: a peer that reconnects and stays silent is redialed within twice its heartbeat interval', async () => {
    const fake = await startFake({ selfId: 10016, mode: 'forward', heartbeatMs: 100 });
    const { seen } = dial(fake.url);
    await until(() => hasFrame(seen, (f) => f.meta_event_type === 'heartbeat'), 'a heartbeat');

    // It reconnects (the link drops and the bot redials), then never sends a heartbeat on the new link.
    fake.silenceNewConnections();
    await fake.drop();
    await until(() => onlineCount(seen) === 3, 'the silent link redialed');

    // The interval announced on the first link (100 ms) watches the second: dropped after 2 × 100 ms of silence.
    expect(seen.downs.map((d) => [d.reason, d.detail])).toEqual([
      ['closed', expect.any(String)],
      ['watchdog', 'no frame for 200 ms (heartbeats announced every 100 ms)'],
    ]);
    expect(fake.connectionCount).toBe(3);
  });

  it('drops a link whose WebSocket pings go unanswered', async () => {
    const fake = await startFake({ selfId: 10007, mode: 'forward' });
    const { seen } = dial(fake.url, { pingIntervalMs: 5, pongTimeoutMs: 25 });
    await until(() => fake.pings >= 3, 'three answered pings');
    expect(seen.downs).toEqual([]);

    fake.goSilent();
    await until(() => seen.downs.length > 0, 'the watchdog');

    expect(seen.downs[0]).toMatchObject({ reason: 'watchdog', detail: expect.stringMatching(/pong/) });
  });

  it('counts frames that are not JSON, not an object or binary, and keeps the link', async () => {
    const fake = await startFake({ selfId: 10008, mode: 'forward' });
    const { dialer, seen, metrics } = dial(fake.url);
    await until(() => dialer.state === 'online', 'online');

    fake.sendRaw('this is not json');
    fake.sendRaw('[1,2,3]');
    fake.sendRaw(Buffer.from(JSON.stringify(fake.notice('group_recall'))));
    fake.emitEvent(fake.privateMessage(42, 'still here'));
    await until(() => hasFrame(seen, (f) => f.post_type === 'message'), 'the message after the bad frames');

    expect(seen.malformed.map((m) => m.kind)).toEqual(['not-json', 'not-object', 'binary']);
    expect(metrics.total('onebot_malformed_frames_total')).toBe(3);
    expect(seen.downs).toEqual([]);
    expect(dialer.state).toBe('online');
  });

  it('refuses a frame over maxFrameBytes: counted, the socket redialed, later frames flow', async () => {
    const fake = await startFake({ selfId: 10009, mode: 'forward' });
    const { seen, metrics } = dial(fake.url, { maxFrameBytes: 1024 });
    await until(() => onlineCount(seen) === 1, 'online');

    fake.emitEvent(fake.notice('big_but_fine', { pad: 'x'.repeat(900) }));
    fake.emitEvent(fake.notice('too_big', { pad: 'x'.repeat(2048) }));
    await until(() => onlineCount(seen) === 2, 'redialed');
    fake.emitEvent(fake.privateMessage(42, 'after'));
    await until(() => hasFrame(seen, (f) => f.post_type === 'message'), 'a frame on the new socket');

    expect(seen.malformed).toEqual([expect.objectContaining({ kind: 'oversized' })]);
    expect(seen.downs).toEqual([expect.objectContaining({ reason: 'oversized' })]);
    expect(metrics.get('onebot_malformed_frames_total', { kind: 'oversized' })).toBe(1);
    expect(seen.frames.map((f) => f.frame.notice_type).filter(Boolean)).toEqual(['big_but_fine']);
  });

  it('close() goes offline, closes the socket and stops redialing; sends then fail', async () => {
    const fake = await startFake({ selfId: 10010, mode: 'forward' });
    const { dialer, seen } = dial(fake.url);
    await until(() => dialer.state === 'online', 'online');

    await dialer.close();

    expect(seen.states.map((s) => s.state)).toEqual(['online', 'offline']);
    expect(await fake.waitForCloses(1)).toMatchObject({ code: 1000 });
    expect(seen.retries).toEqual([]);
    expect(() => dialer.sendFrame({ action: 'get_status' })).toThrow(OneBotNotConnectedError);
  });

  it('close() while waiting to redial cancels the redial', async () => {
    const fake = await startFake({ selfId: 10011, mode: 'forward' });
    const { dialer, seen } = dial(fake.url, { backoff: { baseMs: 20, capMs: 20 } });
    await until(() => dialer.state === 'online', 'online');
    fake.refuseConnections(503);
    await fake.drop();
    await until(() => seen.retries.length === 1, 'a scheduled redial');

    await dialer.close();
    const handshakes = fake.handshakes.length;
    await sleep(60);

    expect(dialer.state).toBe('offline');
    expect(fake.handshakes.length).toBe(handshakes);
  });
});


describe('reverse WS: OneBot dials the bot', () => {
  async function serve(options: Partial<ReverseServerOptions> = {}) {
    const metrics = new Metrics();
    const server = new ReverseServer({ port: 0, accessToken: 's3cret', pingIntervalMs: 0, metrics, ...options });
    const accounts: { selfId: string; connection: OneBotConnection; seen: Observed }[] = [];
    const rejections: ReverseRejection[] = [];
    server.on('connection', (selfId, connection) => accounts.push({ selfId, connection, seen: observe(connection) }));
    server.on('rejected', (rejection) => rejections.push(rejection));
    await server.listen();
    cleanups.push(() => server.close());
    const url = (path = '/onebot/v11/ws'): string => `ws://127.0.0.1:${server.address().port}${path}`;
    const account = (selfId: number) => {
      const found = accounts.find((a) => a.selfId === String(selfId));
      if (!found) throw new Error(`no connection for ${selfId}`);
      return found;
    };
    return { server, accounts, account, rejections, url, metrics };
  }

  it('accepts a Universal socket with the Bearer token: one connection per account, online, frames both ways', async () => {
    const { server, accounts, url } = await serve();
    const fake = await startFake({ selfId: 20001, mode: 'reverse', url: url(), token: 's3cret' });
    const [account] = accounts;
    await until(() => account !== undefined && account.seen.frames.length > 0, 'lifecycle.connect');

    expect(accounts.map((a) => a.selfId)).toEqual(['20001']);
    expect(server.connections.get('20001')).toBe(account?.connection);
    expect(account?.seen.order).toEqual(['state:online', 'frame:lifecycle']);
    account?.connection.sendFrame({ action: 'get_status', params: {}, echo: 7 });
    expect(await fake.waitForCall('get_status')).toMatchObject({ echo: 7, role: 'universal' });
    await until(() => hasFrame(account!.seen, (f) => f.echo === 7), 'the response');
  });

  it.each([
    ['wrong', { token: 'nope' }],
    ['missing', {}],
  ])('answers HTTP 401 before the upgrade when the token is %s', async (_case, auth) => {
    const { server, rejections, url } = await serve();
    const fake = new FakeOneBot({ selfId: 20002, mode: 'reverse', url: url(), reconnectMs: 0, ...auth });
    cleanups.push(() => fake.stop());

    await expect(fake.start()).rejects.toMatchObject({ status: 401 });
    expect(rejections).toEqual([expect.objectContaining({ status: 401 })]);
    expect(fake.connectionCount).toBe(0);
    expect(server.connections.size).toBe(0);
  });

  it('accepts the token as "Token <t>" (any case) or as ?access_token=', async () => {
    const { server, url } = await serve();
    await startFake({ selfId: 20003, mode: 'reverse', url: url(), headers: { Authorization: 'token s3cret' } });
    await startFake({ selfId: 20004, mode: 'reverse', url: `${url()}?access_token=s3cret` });

    await until(() => server.connections.size === 2, 'both accounts');
    expect([...server.connections.values()].map((c) => c.state)).toEqual(['online', 'online']);
  });

  it('accepts any handshake, an empty Bearer included, when no token is configured', async () => {
    const { server, url } = await serve({ accessToken: '' });
    const fake = await startFake({ selfId: 20005, mode: 'reverse', url: url(), token: '' });

    expect(fake.connectionCount).toBe(1);
    await until(() => server.connections.get('20005')?.state === 'online', 'online');
  });

  it.each([
    ['missing', null],
    ['not a number', 'abc'],
  ])('answers HTTP 400 when X-Self-ID is %s', async (_case, header) => {
    const { rejections, url } = await serve();
    const fake = new FakeOneBot({ selfId: 20006, mode: 'reverse', url: url(), token: 's3cret', reconnectMs: 0, headers: { 'X-Self-ID': header } });
    cleanups.push(() => fake.stop());

    await expect(fake.start()).rejects.toMatchObject({ status: 400 });
    expect(rejections.map((r) => r.reason)).toEqual([expect.stringMatching(/X-Self-ID/)]);
  });

  it('serves /onebot/v11/ws, /onebot/v11/ and /onebot (trailing slash optional) and answers 404 elsewhere', async () => {
    const { server, url } = await serve();
    const served = ['/onebot/v11/ws', '/onebot/v11/', '/onebot', '/onebot/v11/ws/'];
    for (const [i, path] of served.entries()) await startFake({ selfId: 20100 + i, mode: 'reverse', url: url(path), token: 's3cret' });
    for (const path of ['/', '/ws', '/onebot/v12/ws']) {
      const fake = new FakeOneBot({ selfId: 20199, mode: 'reverse', url: url(path), token: 's3cret', reconnectMs: 0 });
      cleanups.push(() => fake.stop());
      await expect(fake.start()).rejects.toMatchObject({ status: 404 });
    }

    expect(server.connections.size).toBe(served.length);
  });

  it('joins an API socket and an Event socket of one account into one connection (roles in any case)', async () => {
    const { accounts, url } = await serve();
    const fake = await startFake({ selfId: 20007, mode: 'reverse', url: url(), token: 's3cret', role: 'split', roleNames: { api: 'Api', event: 'event' } });
    await until(() => accounts[0]?.seen.frames.length === 1, 'lifecycle.connect');
    const { connection, seen } = accounts[0]!;

    connection.sendFrame({ action: 'get_login_info', params: {}, echo: 'split-1' });
    const call = await fake.waitForCall('get_login_info');
    await until(() => hasFrame(seen, (f) => f.echo === 'split-1'), 'the response');

    expect(accounts).toHaveLength(1);
    expect(fake.connectionCount).toBe(2);
    expect(seen.states.map((s) => s.state)).toEqual(['online']);
    expect(call.role).toBe('api');
    expect(seen.frames.map((f) => f.role)).toEqual(['event', 'api']);
  });

  it('reads X-Client-Role case-insensitively and answers 400 for an unknown role', async () => {
    const { server, url } = await serve();
    await startFake({ selfId: 20008, mode: 'reverse', url: url(), token: 's3cret', roleNames: { universal: 'UNIVERSAL' } });
    const spectator = new FakeOneBot({ selfId: 20009, mode: 'reverse', url: url(), token: 's3cret', reconnectMs: 0, roleNames: { universal: 'Spectator' } });
    cleanups.push(() => spectator.stop());

    await expect(spectator.start()).rejects.toMatchObject({ status: 400 });
    await until(() => server.connections.get('20008')?.state === 'online', 'the Universal account online');
  });

  it('serves several accounts at once, each call reaching its own account', async () => {
    const { account, url } = await serve();
    const first = await startFake({ selfId: 20010, mode: 'reverse', url: url(), token: 's3cret' });
    const second = await startFake({ selfId: 20011, mode: 'reverse', url: url(), token: 's3cret' });
    await until(() => first.connectionCount + second.connectionCount === 2, 'both connected');

    account(20011).connection.sendFrame({ action: 'send_private_msg', params: { user_id: 1, message: 'hi' }, echo: 'a' });
    account(20010).connection.sendFrame({ action: 'get_status', params: {}, echo: 'b' });

    expect(await second.waitForCall('send_private_msg')).toMatchObject({ echo: 'a' });
    expect(await first.waitForCall('get_status')).toMatchObject({ echo: 'b' });
    expect(first.calls.map((c) => c.action)).toEqual(['get_status']);
  });

  it("replaces an account's Universal socket when it dials again while the old one looks open", async () => {
    const { accounts, url } = await serve();
    const old = await startFake({ selfId: 20012, mode: 'reverse', url: url(), token: 's3cret', reconnectMs: 0 });
    const fresh = await startFake({ selfId: 20012, mode: 'reverse', url: url(), token: 's3cret', reconnectMs: 0 });

    expect(await old.waitForCloses(1)).toMatchObject({ code: 4000 });
    const [{ connection, seen }] = accounts as [(typeof accounts)[0]];
    connection.sendFrame({ action: 'get_status', params: {}, echo: 'r' });
    await fresh.waitForCall('get_status');

    expect(accounts).toHaveLength(1);
    expect(seen.states.map((s) => s.state)).toEqual(['online']);
    expect(seen.downs).toEqual([]);
    expect(old.calls).toEqual([]);
  });

  it('keeps the account across a drop: reconnecting, then online again when OneBot redials', async () => {
    const { accounts, url } = await serve();
    const fake = await startFake({ selfId: 20013, mode: 'reverse', url: url(), token: 's3cret', reconnectMs: 10 });
    await until(() => accounts[0]?.connection.state === 'online', 'online');

    await fake.drop();
    await until(() => onlineCount(accounts[0]!.seen) === 2, 'redialed');
    await fake.waitForConnections(2);

    const { seen } = accounts[0]!;
    expect(accounts).toHaveLength(1);
    expect(seen.states.map((s) => s.state)).toEqual(['online', 'reconnecting', 'online']);
    expect(seen.downs).toEqual([expect.objectContaining({ reason: 'closed', code: 1006 })]);
  });

  it('drops a reverse link that goes silent after heartbeats; OneBot redials', async () => {
    const { accounts, metrics, url } = await serve();
    const fake = await startFake({ selfId: 20014, mode: 'reverse', url: url(), token: 's3cret', heartbeatMs: 10, reconnectMs: 5 });
    await until(() => hasFrame(accounts[0]!.seen, (f) => f.meta_event_type === 'heartbeat'), 'a heartbeat');

    fake.goSilent();
    await until(() => onlineCount(accounts[0]!.seen) === 2, 'redialed');

    expect(accounts[0]!.seen.order.filter((e) => !e.startsWith('frame'))).toEqual(['state:online', 'down:watchdog', 'state:reconnecting', 'state:online']);
    expect(metrics.get('onebot_link_down_total', { reason: 'watchdog' })).toBe(1);
  });

  it('counts malformed frames; an oversized one costs the socket, not the account', async () => {
    const { accounts, metrics, url } = await serve({ maxFrameBytes: 1024 });
    const fake = await startFake({ selfId: 20015, mode: 'reverse', url: url(), token: 's3cret', reconnectMs: 5 });
    await until(() => accounts[0]?.connection.state === 'online', 'online');
    const { seen } = accounts[0]!;

    fake.sendRaw('{"post_type":');
    fake.sendRaw(Buffer.from([0xde, 0xad]));
    fake.emitEvent(fake.groupMessage(300, 42, [{ type: 'text', data: { text: 'between' } }]));
    await until(() => hasFrame(seen, (f) => f.post_type === 'message'), 'the message between bad frames');
    expect(seen.downs).toEqual([]);

    fake.sendRaw('x'.repeat(4096));
    await until(() => onlineCount(seen) === 2, 'redialed');

    expect(seen.malformed.map((m) => m.kind)).toEqual(['not-json', 'binary', 'oversized']);
    expect(metrics.total('onebot_malformed_frames_total')).toBe(3);
    expect(seen.downs.map((d) => d.reason)).toEqual(['oversized']);
    expect(accounts).toHaveLength(1);
  });

  it('close() takes every account offline, closes the sockets and stops listening', async () => {
    const { server, accounts, url } = await serve();
    const first = await startFake({ selfId: 20016, mode: 'reverse', url: url(), token: 's3cret', reconnectMs: 0 });
    const second = await startFake({ selfId: 20017, mode: 'reverse', url: url(), token: 's3cret', reconnectMs: 0 });
    const address = url();

    await server.close();

    expect(accounts.map((a) => a.connection.state)).toEqual(['offline', 'offline']);
    expect(accounts.map((a) => a.seen.states.at(-1)?.reason)).toEqual(['closed by the bot', 'closed by the bot']);
    expect(await first.waitForCloses(1)).toMatchObject({ code: 1000 });
    expect(await second.waitForCloses(1)).toMatchObject({ code: 1000 });
    const late = new FakeOneBot({ selfId: 20018, mode: 'reverse', url: address, token: 's3cret', reconnectMs: 0 });
    await expect(late.start()).rejects.toMatchObject({ status: undefined });
  });
});
