import type { Redis } from 'ioredis';
import type { RedisStoreContext } from './redis-store.js';
import type { WaitRecord, WaitStore } from './store.js';

/** Removes and returns the field's wait, unless it is missing or expired (an expired one is removed too). */
const TAKE = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
if tonumber(cjson.decode(v).deadline) <= tonumber(ARGV[2]) then return false end
return v
`;

/** Removes the field's wait if it is still wait ARGV[2]. */
const EXPIRE = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v or cjson.decode(v).id ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`;

/** Removes every wait of chat ARGV[1] (fields start with it and a NUL); returns how many had not expired. */
const CLEAR_CHAT = `
local prefix = ARGV[1] .. '\\0'
local live = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, #prefix) == prefix then
    if tonumber(cjson.decode(all[i + 1]).deadline) > tonumber(ARGV[2]) then live = live + 1 end
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return live
`;

type WaitRedis = Redis & {
  nkWaitTake(key: string, field: string, now: number): Promise<string | null>;
  nkWaitExpire(key: string, field: string, id: string): Promise<number>;
  nkWaitClearChat(key: string, chatKey: string, now: number): Promise<number>;
};

/**
 * `WaitStore` on one hash, `<prefix>:waits`, field `<chatKey>\u0000<userId>`, value the JSON `WaitRecord`.
 * Waits are few (one per user asked a question), so clearing a chat scans the hash in one script.
 */
export class RedisWaits implements WaitStore {
  private readonly redis: WaitRedis;

  constructor(private readonly ctx: RedisStoreContext) {
    this.redis = ctx.redis as WaitRedis;
    this.redis.defineCommand('nkWaitTake', { numberOfKeys: 1, lua: TAKE });
    this.redis.defineCommand('nkWaitExpire', { numberOfKeys: 1, lua: EXPIRE });
    this.redis.defineCommand('nkWaitClearChat', { numberOfKeys: 1, lua: CLEAR_CHAT });
  }

  async put(wait: WaitRecord): Promise<void> {
    this.ctx.assertOpen();
    await this.redis.hset(this.key(), field(wait.chatKey, wait.userId), JSON.stringify(wait));
  }

  async take(chatKey: string, userId: string, now = Date.now()): Promise<WaitRecord | undefined> {
    this.ctx.assertOpen();
    const v = await this.redis.nkWaitTake(this.key(), field(chatKey, userId), now);
    return v ? (JSON.parse(v) as WaitRecord) : undefined;
  }

  async expire(chatKey: string, userId: string, id: string): Promise<boolean> {
    this.ctx.assertOpen();
    return (await this.redis.nkWaitExpire(this.key(), field(chatKey, userId), id)) === 1;
  }

  async clearChat(chatKey: string, now = Date.now()): Promise<number> {
    this.ctx.assertOpen();
    return this.redis.nkWaitClearChat(this.key(), chatKey, now);
  }

  async list(now = Date.now()): Promise<WaitRecord[]> {
    this.ctx.assertOpen();
    const all = await this.redis.hvals(this.key());
    return all.map((v) => JSON.parse(v) as WaitRecord).filter((w) => w.deadline > now).sort((a, b) => a.deadline - b.deadline);
  }

  /** `<prefix>:waits` */
  private key(): string {
    return `${this.ctx.prefix}:waits`;
  }
}

function field(chatKey: string, userId: string): string {
  return `${chatKey}\u0000${userId}`;
}
