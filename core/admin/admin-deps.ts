import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { BufferDriver } from '../buffer/index.js';
import type { MessageBus } from '../bus/index.js';
import type { CommandService } from '../command/index.js';
import type { AccessEnv, AdminAccess } from '../http/index.js';
import type { ChatKey } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { EntryRegistry, PluginManager } from '../plugin/index.js';
import type { LogFeed } from '../runtime/log-feed.js';
import type { RunManager } from '../runs/index.js';
import type { ResetResult } from '../session/index.js';
import type { Store } from '../store/index.js';
import type { AuditTrail } from './audit.js';

/** The admin API's Hono app: OpenAPI routes whose requests carry the `actor` the access guard found. */
export type AdminApp = OpenAPIHono<AccessEnv>;

/** An adapter as the admin API shows it. */
export interface AdapterStatus {
  name: string;
  state: 'starting' | 'open' | 'closed';
  /** Whether `reconnect` does something for it. */
  canReconnect: boolean;
}

/** The parts of the app the admin API reads and changes, each passed as it is (built bottom-up by the app). */
export interface AdminDeps {
  version: string;
  startedAt: number;
  role: string;
  log: Logger;
  metrics: Metrics;
  access: AdminAccess;
  audit: AuditTrail;
  logFeed: LogFeed;
  plugins: PluginManager;
  commands: CommandService;
  store: Store;
  buffer: BufferDriver;
  /** N.E.K.O's entries (what a run may start), runs and message bus. */
  entries: EntryRegistry;
  runs: RunManager;
  bus: MessageBus;
  /** Chats with a session held in memory. */
  chatsHeld(): number;
  adapters(): AdapterStatus[];
  /** Drops the adapter's connections and dials again; throws when it cannot. */
  reconnect(name: string): Promise<void>;
  resetChannel(chatKey: ChatKey, by: string): Promise<ResetResult>;
}

/** A refusal or failure, with the fields that were wrong when there were some. */
export const ErrorBody = z
  .object({
    error: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Error');

/** The response entry of an error status, for `createRoute({ responses })`. */
export const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });

/** A JSON response entry for `createRoute({ responses })`. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

/** A JSON request body for `createRoute({ request })`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

/** What every route may answer besides its own statuses: the access guard's refusals. */
export const GUARDED = {
  401: errorResponse('Not logged in: send Authorization: Bearer <ADMIN_TOKEN>, or log in for a session cookie'),
  403: errorResponse('Refused: a cross-origin change, or (without ADMIN_TOKEN) a Host that is not a loopback name'),
} as const;
