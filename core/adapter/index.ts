import type { Logger } from 'pino';
import type { ChatKey, InboundMessage, Segment, SegmentType } from '../message/index.js';
import type { PlatformEvent } from '../hooks/index.js';
import type { HttpRoutes } from '../http/index.js';
import type { Metrics } from '../metrics/index.js';
import type { IngestResult } from '../pipeline/index.js';

/** What a platform returned for a sent message. */
export interface SendResult {
  /** Platform id of the sent message, when the platform gives one. */
  messageId?: string;
}

/** What the app gives an adapter when it starts it. */
export interface AdapterHost {
  /** Hands a converted message to the pipeline. */
  ingest(message: InboundMessage): Promise<IngestResult>;
  /** Hands a non-message platform event (notice, request, member change) to `platform_event` hooks. */
  platformEvent(event: PlatformEvent): Promise<void>;
  /** The app's counters, for what the adapter drops or retries. */
  readonly metrics: Metrics;
  /** A logger with the adapter's name bound. */
  readonly log: Logger;
  /** Routes on the app's HTTP server (webhooks); an adapter removes its routes when it stops. */
  readonly http: HttpRoutes;
  /** Tells the app the adapter stopped by itself (end of input, gave up): the app stops when none is left. */
  closed(reason: string): void;
}

/**
 * A platform connection. It converts platform events to `InboundMessage`s (validated at this edge with
 * `createInboundMessage`) and sends replies back. Nothing downstream knows which platform it serves.
 */
export interface Adapter {
  /** The adapter name used in chat keys: lowercase, e.g. `onebot`. */
  readonly name: string;
  /** The segment types it can send; omitted = every type. The agent offers the model tags for these only. */
  readonly segmentTypes?: readonly SegmentType[];
  start(host: AdapterHost): Promise<void>;
  /** Stops taking input and closes connections. Called once, on app shutdown. */
  stop(): Promise<void>;
  send(chatKey: ChatKey, segments: Segment[]): Promise<SendResult>;
  /**
   * Drops the adapter's connections and dials again (the admin API's reconnect); resolves once the redial has
   * begun. Omitted by adapters without a connection of their own.
   */
  reconnect?(): Promise<void>;
}
