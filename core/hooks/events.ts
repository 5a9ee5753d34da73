import type { Batch, ChatKey, InboundMessage, Segment } from '../message/index.js';
import type { MessageEvent, Stoppable } from './message-event.js';

/** `message_buffered`: a message entered a chat's buffer. */
export interface BufferedEvent {
  readonly chatKey: ChatKey;
  readonly message: InboundMessage;
  /** Its sequence number in the chat's buffered lane; 0 while Redis is away and it waits in the gateway's spool. */
  readonly seq: number;
  /** How many messages the chat's buffer holds now, this one included. */
  readonly pending: number;
}

/** `im_batch_message`: a batch is about to reach the chat's session; `stop()` drops it. */
export class BatchEvent implements Stoppable {
  private isStopped = false;
  constructor(readonly batch: Batch) {}
  get chatKey(): ChatKey {
    return this.batch.chatKey;
  }
  get messages(): readonly InboundMessage[] {
    return this.batch.messages;
  }
  get stopped(): boolean {
    return this.isStopped;
  }
  stop(): void {
    this.isStopped = true;
  }
}

/** `exception`: a hook, callback or batch handler threw. KiraAI's `KiraExceptionEvent`. */
export interface ExceptionEvent {
  readonly error: Error;
  /** Where it happened: the hook event name, or a pipeline stage such as `batch`. */
  readonly stage: string;
  /** Who registered the failing code: a plugin key, or `core`. */
  readonly owner: string;
  readonly chatKey?: ChatKey | undefined;
}

/** `channel_reset`: a chat was reset; plugins drop what they keep for it (Nekro's `mountOnChannelReset`). */
export interface ChannelResetEvent {
  readonly chatKey: ChatKey;
  /** Who asked: `command`, `admin`, or a plugin key. */
  readonly by: string;
}

/** `message_sent`: a reply left through an adapter. */
export interface MessageSentEvent {
  readonly chatKey: ChatKey;
  readonly segments: readonly Segment[];
  /** Platform id of the sent message, when the platform gives one. */
  readonly messageId?: string | undefined;
}

/** `platform_event`: a platform event that is not a chat message (member joined, message edited, …). */
export interface PlatformEvent {
  readonly adapter: string;
  readonly botId: string;
  /** Dotted kind, e.g. `notice.group_increase`, `member.joined`, `message.edited`. */
  readonly kind: string;
  readonly chatKey?: ChatKey | undefined;
  readonly userId?: string | undefined;
  readonly data: Readonly<Record<string, unknown>>;
}

/** `custom_event`: what a plugin emitted with `plugin.emit(name, payload)` (KiraAI's `KiraCustomEvent`). */
export interface CustomEvent {
  readonly eventName: string;
  /** Key of the plugin that emitted it. */
  readonly sourcePlugin: string;
  readonly payload: unknown;
  readonly timestamp: number;
}

/**
 * Every hook event and the arguments its handlers receive. The pipeline's events are listed here; other parts
 * add theirs by declaration merging (`declare module '../hooks/events.js'`), so this folder imports none of
 * them: the agent's `llm_request`, `llm_response`, `after_xml_parse`, `tool_result`, `step_result` and
 * `final_result` are in `core/agent/hook-events.ts`.
 */
export interface HookEvents {
  im_message: (event: MessageEvent) => unknown;
  message_buffered: (event: BufferedEvent) => unknown;
  im_batch_message: (event: BatchEvent) => unknown;
  message_sent: (event: MessageSentEvent) => unknown;
  platform_event: (event: PlatformEvent) => unknown;
  channel_reset: (event: ChannelResetEvent) => unknown;
  custom_event: (event: CustomEvent) => unknown;
  exception: (event: ExceptionEvent) => unknown;
}

/** Names of every hook event. */
export type HookEventName = keyof HookEvents;
