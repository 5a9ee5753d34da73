import type { Batch, ChatKey, InboundMessage } from '../message/index.js';
import type { MessageEvent, Stoppable } from './message-event.js';

/** `message_buffered`: a message entered a chat's buffer. */
export interface BufferedEvent {
  readonly chatKey: ChatKey;
  readonly message: InboundMessage;
  /** Its sequence number in the chat's buffered lane. */
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

/** Every hook event and the arguments its handlers receive. */
export interface HookEvents {
  im_message: (event: MessageEvent) => unknown;
  message_buffered: (event: BufferedEvent) => unknown;
  im_batch_message: (event: BatchEvent) => unknown;
  channel_reset: (event: ChannelResetEvent) => unknown;
  exception: (event: ExceptionEvent) => unknown;
}
