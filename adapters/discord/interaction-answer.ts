import { Routes, type REST } from 'discord.js';
import type { CommandStatus } from '../../core/command/index.js';
import type { Segment } from '../../core/message/index.js';
import type { MessageBody } from './message-body.js';

/** Interaction response types (Interactions → Receiving and Responding). */
export const CALLBACK = { CHANNEL_MESSAGE: 4, DEFERRED_CHANNEL_MESSAGE: 5, DEFERRED_UPDATE_MESSAGE: 6, UPDATE_MESSAGE: 7 } as const;
/** Message flag EPHEMERAL: only the invoker sees it. */
export const EPHEMERAL = 1 << 6;
/** Answers only the invoker should see. */
const PRIVATE_STATUSES: ReadonlySet<CommandStatus> = new Set(['error', 'unauthorized', 'not_found', 'invalid_args', 'disabled']);

export interface AnswerDeps {
  rest: REST;
  applicationId: string;
  id: string;
  token: string;
  /** Discord wants an answer within 3 s; after this long without one the interaction is deferred ("thinking…"). */
  deferAfterMs: number;
  bodies(segments: Segment[]): Promise<MessageBody[]>;
  /** When Discord no longer takes answers to the interaction (it expired): say it in the chat instead. */
  fallback(segments: Segment[]): Promise<unknown>;
  onError(what: string, err: unknown): void;
  /** Said when the command ended without a word ("Done."). */
  done: string;
}

type Ack = 'replied' | 'deferred' | 'failed';

/**
 * The answer to one slash command. The command's first answer is the interaction's response when it comes
 * within `deferAfterMs`; otherwise the interaction is deferred and the first answer edits the deferred
 * response. Further answers (streamed output, long text cut in several messages) are follow-ups. Errors,
 * refusals and unknown commands are ephemeral: only the invoker sees them.
 */
export class InteractionAnswer {
  private ack: Promise<Ack> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private originalUsed = false;
  private said = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AnswerDeps) {}

  start(): void {
    this.timer = setTimeout(() => {
      this.ack ??= this.callback({ type: CALLBACK.DEFERRED_CHANNEL_MESSAGE }, [], 'deferred');
    }, this.deps.deferAfterMs);
  }

  /** Sends one answer, after those before it. */
  reply(status: CommandStatus, segments: Segment[]): Promise<void> {
    this.chain = this.chain.then(() => this.send(status, segments));
    return this.chain;
  }

  /** The command has ended: an interaction not yet answered is answered now. */
  async finish(): Promise<void> {
    await this.chain;
    clearTimeout(this.timer);
    if (this.said) return;
    const body = { content: this.deps.done, flags: EPHEMERAL, allowed_mentions: { parse: [] } };
    if (!this.ack) await (this.ack = this.callback({ type: CALLBACK.CHANNEL_MESSAGE, data: body }, [], 'replied'));
    else if ((await this.ack) === 'deferred') await this.edit({ content: this.deps.done }, []);
  }

  private async send(status: CommandStatus, segments: Segment[]): Promise<void> {
    if (segments.length === 0) return;
    const hidden = PRIVATE_STATUSES.has(status);
    let bodies: MessageBody[];
    try {
      bodies = await this.deps.bodies(segments);
    } catch (err) {
      // A file too large or unreadable: the invoker is told why instead of waiting for nothing.
      this.deps.onError('answer', err);
      bodies = [{ body: { content: (err as Error).message.slice(0, 1900), allowed_mentions: { parse: [] } }, files: [] }];
    }
    for (const { body, files } of bodies) {
      const data = hidden ? { ...body, flags: EPHEMERAL } : body;
      if (!this.ack) {
        clearTimeout(this.timer);
        this.ack = this.callback({ type: CALLBACK.CHANNEL_MESSAGE, data }, files, 'replied');
        if ((await this.ack) !== 'failed') this.said = true;
        else return this.fallback(segments);
        continue;
      }
      const how = await this.ack;
      if (how === 'failed') return this.fallback(segments);
      this.said = true;
      if (how === 'deferred' && !this.originalUsed) {
        this.originalUsed = true;
        // A deferred response cannot turn ephemeral: it goes, and the answer follows for the invoker only.
        if (hidden) await this.call('delete the deferred response', () => this.deps.rest.delete(this.original(), { auth: false }));
        else {
          await this.edit(data, files);
          continue;
        }
      }
      await this.call('follow-up', () => this.deps.rest.post(Routes.webhook(this.deps.applicationId, this.deps.token), { body: data, files, auth: false }));
    }
  }

  private original(): `/${string}` {
    return Routes.webhookMessage(this.deps.applicationId, this.deps.token, '@original');
  }

  private edit(body: Record<string, unknown>, files: MessageBody['files']): Promise<void> {
    return this.call('edit the response', () => this.deps.rest.patch(this.original(), { body, files, auth: false }));
  }

  private async callback(body: Record<string, unknown>, files: MessageBody['files'], ok: Ack): Promise<Ack> {
    try {
      await this.deps.rest.post(Routes.interactionCallback(this.deps.id, this.deps.token), { body, files, auth: false });
      return ok;
    } catch (err) {
      this.deps.onError('response', err);
      return 'failed';
    }
  }

  private async call(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.deps.onError(what, err);
    }
  }

  private async fallback(segments: Segment[]): Promise<void> {
    this.said = true;
    await this.deps.fallback(segments).catch((err: unknown) => this.deps.onError('fallback send', err));
  }
}
