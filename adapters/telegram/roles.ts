import type { Api } from 'grammy';

export type SenderRole = 'owner' | 'admin' | 'member';

interface Entry {
  at: number;
  roles: Promise<Map<string, SenderRole>>;
}

/**
 * Group roles from getChatAdministrators, cached per chat: one call per chat per `ttlMs` instead of a
 * getChatMember per message. A failed lookup leaves the role unknown rather than guessing.
 */
export class ChatRoles {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly api: Api, private readonly ttlMs = 5 * 60_000) {}

  async roleOf(chatId: number, userId: number): Promise<SenderRole | undefined> {
    const key = String(chatId);
    let entry = this.cache.get(key);
    if (!entry || Date.now() - entry.at > this.ttlMs) {
      entry = { at: Date.now(), roles: this.load(chatId) };
      this.cache.set(key, entry);
    }
    try {
      return (await entry.roles).get(String(userId)) ?? 'member';
    } catch {
      this.cache.delete(key);
      return undefined;
    }
  }

  private async load(chatId: number): Promise<Map<string, SenderRole>> {
    const admins = await this.api.getChatAdministrators(chatId);
    return new Map(admins.map((a) => [String(a.user.id), a.status === 'creator' ? 'owner' : 'admin'] as const));
  }
}
