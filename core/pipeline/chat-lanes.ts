import type { ChatKey } from '../message/index.js';

/**
 * Runs tasks one at a time per chat, in submission order; chats run independently. An uncontended chat
 * runs its task at once with no queueing cost, which is the common case.
 */
export class ChatLanes {
  private readonly busy = new Map<ChatKey, (() => void)[]>();

  run<T>(chatKey: ChatKey, task: () => Promise<T>): Promise<T> {
    const waiting = this.busy.get(chatKey);
    if (waiting === undefined) {
      this.busy.set(chatKey, []);
      return this.start(chatKey, task);
    }
    return new Promise<T>((resolve, reject) => {
      waiting.push(() => void this.start(chatKey, task).then(resolve, reject));
    });
  }

  /** Chats with a task running. */
  get size(): number {
    return this.busy.size;
  }

  private start<T>(chatKey: ChatKey, task: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = task();
    } catch (err) {
      running = Promise.reject(err);
    }
    const release = (): void => {
      const next = this.busy.get(chatKey)?.shift();
      if (next) next();
      else this.busy.delete(chatKey);
    };
    running.then(release, release);
    return running;
  }
}
