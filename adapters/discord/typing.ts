import type { BatchEvent, HookRegistry } from '../../core/hooks/index.js';

/** When the agent starts and ends working on a chat's batch, as the adapter is told of it. */
export interface AgentActivity {
  /** Calls `listener(chatKey, true)` when work on a chat starts (again), `false` when it ends; returns a function that stops it. */
  onWork(listener: (chatKey: string, working: boolean) => void): () => void;
}

/**
 * The app's agent as an activity source: working from each model call of a run (`llm_request`) until the run
 * ends (`final_result`, fired once per run, whatever became of it). The CLI passes `agentActivity(app.hooks)`.
 */
export function agentActivity(hooks: Pick<HookRegistry, 'on'>): AgentActivity {
  return {
    onWork: (listener) => {
      const start = hooks.on('llm_request', (event: BatchEvent) => listener(event.chatKey, true), { owner: 'discord.typing' });
      const end = hooks.on('final_result', (event: BatchEvent) => listener(event.chatKey, false), { owner: 'discord.typing' });
      return () => {
        start();
        end();
      };
    },
  };
}

// Discord shows "typing…" for 10 s after each trigger, or until the bot's next message.
const REFRESH_MS = 8_000;

/**
 * The typing indicator of chats the agent works on: triggered at once, refreshed while the work lasts, never
 * longer than `maxMs` (a run that never reports its end). A message the bot sends ends Discord's indicator, so
 * the next refresh waits a full period after it rather than showing "typing…" under the reply at once.
 */
export class TypingIndicator {
  private readonly chats = new Map<string, { timer: NodeJS.Timeout; until: number }>();

  constructor(
    private readonly trigger: (channelId: string) => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
    private readonly maxMs = 5 * 60_000,
  ) {}

  start(channelId: string): void {
    const known = this.chats.get(channelId);
    if (known) return;
    this.schedule(channelId, 0, Date.now() + this.maxMs);
  }

  /** The bot just sent to the channel: the next trigger, if still working, a full period later. */
  sent(channelId: string): void {
    const known = this.chats.get(channelId);
    if (known) this.schedule(channelId, REFRESH_MS, known.until);
  }

  stop(channelId: string): void {
    clearTimeout(this.chats.get(channelId)?.timer);
    this.chats.delete(channelId);
  }

  stopAll(): void {
    for (const { timer } of this.chats.values()) clearTimeout(timer);
    this.chats.clear();
  }

  private schedule(channelId: string, delayMs: number, until: number): void {
    clearTimeout(this.chats.get(channelId)?.timer);
    const timer = setTimeout(() => {
      if (Date.now() >= until) return this.stop(channelId);
      void this.trigger(channelId).catch(this.onError);
      this.schedule(channelId, REFRESH_MS, until);
    }, delayMs);
    timer.unref();
    this.chats.set(channelId, { timer, until });
  }
}
