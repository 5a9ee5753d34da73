import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerFor, unknownPathAnswer, type ChatCompletionRequest, type FakeAnswer, type FakeReply } from './fake-reply.js';

/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 speaking the real HTTP API: `POST
 * /v1/chat/completions` with a JSON body, answered with a completion or an OpenAI error body. Every
 * completion request is recorded, retries included, so a test sees what the client really sent.
 *
 * Which reply a request gets: the next one queued for its model (`scriptFor`), else the next in the shared
 * queue (`script`), else what `respond` returns, else `{ text: 'ok' }`.
 */
export class FakeOpenAI {
  readonly requests: ChatCompletionRequest[] = [];
  private server: Server | undefined;
  private readonly queue: FakeReply[] = [];
  private readonly perModel = new Map<string, FakeReply[]>();
  private responder: ((body: ChatCompletionRequest) => FakeReply) | undefined;
  private readonly waiters = new Set<() => void>();
  private seq = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => send(res, { status: 500, headers: {}, body: { error: { message: String(err), type: 'server_error', param: null, code: null } } }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  /** The API root to give the client as its base URL. */
  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  /** Queues replies for any model, consumed in order. */
  script(...replies: FakeReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Queues replies for requests naming `model`; they come before the shared queue. */
  scriptFor(model: string, ...replies: FakeReply[]): this {
    const list = this.perModel.get(model) ?? [];
    list.push(...replies);
    this.perModel.set(model, list);
    return this;
  }

  /** Answers with `fn(body)` once the queues are empty; `undefined` goes back to `{ text: 'ok' }`. */
  respond(fn: ((body: ChatCompletionRequest) => FakeReply) | undefined): this {
    this.responder = fn;
    return this;
  }

  /** Resolves once at least `count` completion requests have arrived. */
  async waitForRequests(count: number): Promise<void> {
    while (this.requests.length < count) {
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const raw = await readBody(req);
    if (req.method !== 'POST' || path !== '/v1/chat/completions') return send(res, unknownPathAnswer(req.method ?? 'GET', path));
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return send(res, { status: 400, headers: {}, body: { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null } } });
    }
    const body = { ...(parsed as Record<string, unknown>), authorization: req.headers.authorization } as ChatCompletionRequest;
    this.requests.push(body);
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    const reply = this.nextReply(body);
    const answer = answerFor(reply, body.model, ++this.seq);
    if (reply.delayMs) await delay(reply.delayMs, res);
    if (reply.stallAfterBytes !== undefined) return stall(res, answer, reply.stallAfterBytes);
    send(res, answer);
  }

  private nextReply(body: ChatCompletionRequest): FakeReply {
    const own = this.perModel.get(body.model);
    if (own && own.length > 0) return own.shift()!;
    if (this.queue.length > 0) return this.queue.shift()!;
    return this.responder?.(body) ?? { text: 'ok' };
  }
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const fake = new FakeOpenAI();
  await fake.start();
  return fake;
}

function send(res: ServerResponse, answer: FakeAnswer): void {
  // The client may have timed out and hung up while a delayed answer waited.
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(JSON.stringify(answer.body));
}

function stall(res: ServerResponse, answer: FakeAnswer, bytes: number): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.write(Buffer.from(JSON.stringify(answer.body)).subarray(0, bytes));
  // No end(): the body never completes. close() drops the connection (closeAllConnections).
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function delay(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
