import type { ChatKey } from '../message/index.js';

/**
 * Runs tasks one at a time per chat, in submission order; chats run independently. An uncontended chat
 * runs its task at once with no queueing cost, which is the common case.
 */
export class ChatLanes {
  /** Chats with a task running, and the tasks queued behind it (`undefined` until one queues: most never do). */
  private readonly busy = new Map<ChatKey, (() => void)[] | undefined>();

  run<T>(chatKey: ChatKey, task: () => Promise<T>): Promise<T> {
    if (!this.busy.has(chatKey)) {
      this.busy.set(chatKey, undefined);
      return this.start(chatKey, task);
    }
    let waiting = this.busy.get(chatKey);
    if (waiting === undefined) this.busy.set(chatKey, (waiting = []));
    const queue = waiting;
    return new Promise<T>((resolve, reject) => {
      queue.push(() => void this.start(chatKey, task).then(resolve, reject));
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
    // Anonymous arrows, not a named `release` closure: tsx (esbuild keepNames) renames each one it creates.
    running.then(
      () => this.release(chatKey),
      () => this.release(chatKey),
    );
    return running;
  }

  private release(chatKey: ChatKey): void {
    const next = this.busy.get(chatKey)?.shift();
    if (next) next();
    else this.busy.delete(chatKey);
  }
}
