import { TAKE_FN } from './redis-scripts.js';

/**
 * The scripts a partition's flush job runs (keys as in redis-scripts.ts; built from ARGV[1], the key prefix
 * `<prefix>:buffer:`, then ARGV[2], the partition). One BullMQ job per partition carries all its chats, so a
 * busy partition costs one claim per look at its due chats, not a BullMQ job per burst.
 */

const PARTITION_KEYS = `
local prefix, part = ARGV[1], ARGV[2]
local pending = prefix .. 'pending'
local due, held, wake = prefix .. 'due:' .. part, prefix .. 'held:' .. part, prefix .. 'wake:' .. part
local function take_chat(chat, now, debounce, maxWait, maxBatch)
  return take(prefix .. 'msgs:' .. chat, prefix .. 'trig:' .. chat, prefix .. 'meta:' .. chat, pending, now, debounce, maxWait, maxBatch, chat)
end
`;

/**
 * claim: ARGV prefix, partition, now, limit, holder, recover (0|1|2), debounceMs, maxWaitMs, maxBatch, lookMs,
 * leaseMs, then (recover 2) the chats of this partition the holder has batches of in hand → { next due time
 * or -1, chat, take-reply, chat, take-reply, … } for up to `limit` due chats with a batch; those are held
 * under `holder` (a process) until their ack. Due chats that are not due after all (a burst still arriving)
 * are re-scored, empty ones dropped. The job will look again by
 * now + lookMs at the latest (`wake`).
 *
 * `recover` 1 or 2 (the first look of a run, then one a lease period) sets the holder's lease, so that it exists
 * before the run holds a chat (the driver's timer renews it in between; setting it on every look cost a Redis call
 * every few batches), and first puts back as due now every held chat whose holder's lease ran out: that process
 * died with the batch in hand. Chats of live holders stay theirs, even when the partition's job moved on to
 * another worker. 2 also puts back the chats held by `holder` itself that are not in the list: a claim of
 * its own that ran in Redis but whose reply never arrived (the connection dropped) held them for nobody, and
 * its lease, renewed, would keep them held for ever. The caller sends 2 only when no other claim of its on
 * this partition is awaiting its reply.
 */
export const CLAIM = `${TAKE_FN}${PARTITION_KEYS}
local now, limit, token = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local debounce, maxWait, maxBatch, lookMs = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
if ARGV[6] ~= '0' then
  redis.call('SET', prefix .. 'lease:' .. token, '1', 'PX', ARGV[11])
  local inHand = {}
  for i = 12, #ARGV do inHand[ARGV[i]] = true end
  local all = redis.call('HGETALL', held)
  for i = 1, #all, 2 do
    local chat, holder = all[i], all[i + 1]
    local orphan
    if holder == token then orphan = ARGV[6] == '2' and not inHand[chat]
    else orphan = redis.call('EXISTS', prefix .. 'lease:' .. holder) == 0 end
    if orphan then
      redis.call('HDEL', held, chat)
      redis.call('ZADD', due, 0, chat)
    end
  end
end
local out = {-1}
if limit > 0 then
  for _, chat in ipairs(redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, limit)) do
    local r = take_chat(chat, now, debounce, maxWait, maxBatch)
    if r[1] == 'w' then
      redis.call('ZADD', due, r[2], chat)
    else
      redis.call('ZREM', due, chat)
      if r[1] ~= 'e' then
        redis.call('HSET', held, chat, token)
        out[#out + 1] = chat
        out[#out + 1] = r
      end
    end
  end
end
local first = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')
local look = now + lookMs
if first[2] then
  out[1] = tonumber(first[2])
  if out[1] < look then look = out[1] end
end
redis.call('SET', wake, look)
return out
`;

/**
 * ack: ARGV prefix, holder, now, debounceMs, maxWaitMs, maxBatch, retryMs, then per handled batch: partition,
 * chat, headSeq, count, lane (b|t) → one reply per batch, in order. The acks of one event-loop turn go in one
 * call (a busy process finishes several batches a turn; one call each was most of the Redis calls).
 *
 * Per batch: → {'x'} when the chat is no longer held by `holder` (another process took it over after this
 * one's lease lapsed), trimming nothing: the new holder runs the batch from the same head, so that its
 * replies get the keys this run's got (see replyKey). Else removes exactly the batch that was handled, and
 * only if its lane still starts with it (an ack sent twice cannot trim twice), then → take-reply for its next
 * batch, due now (the chat stays held), or the chat is released (back in `due` when it has more waiting) and
 * → {'w', dueAt} or {'e'}; {'w', dueAt, 'wake'} when no job is due to look by then (the caller asks BullMQ
 * for one, as a push would).
 *
 * count 0: the batch was not handled (its handler could not reach Redis or a gateway): nothing is trimmed,
 * and the chat is released, due again in retryMs, when its partition's job runs the batch again.
 */
export const ACK_MANY = `${TAKE_FN}
local prefix, token, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local debounce, maxWait, maxBatch, retryMs = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local pending = prefix .. 'pending'
local function ack(part, chat, headSeq, count, lane)
  local due, held, wake = prefix .. 'due:' .. part, prefix .. 'held:' .. part, prefix .. 'wake:' .. part
  if redis.call('HGET', held, chat) ~= token then return {'x'} end
  local buf, trig = prefix .. 'msgs:' .. chat, prefix .. 'trig:' .. chat
  local rest
  if count > 0 and lane == 'b' then
    -- One read serves the fence, the pending score and the next take: the batch handled and the next one after it.
    local items = redis.call('LRANGE', buf, 0, count + maxBatch - 1)
    rest = items
    if items[1] and tonumber(string.match(items[1], '^(%d+)|')) == headSeq then
      redis.call('LTRIM', buf, count, -1)
      rest = {}
      for i = count + 1, #items do rest[#rest + 1] = items[i] end
      if rest[1] then redis.call('ZADD', pending, 'XX', tsOf(rest[1]), chat) end
    elseif #items > maxBatch then
      rest = {}
      for i = 1, maxBatch do rest[i] = items[i] end
    end
  elseif count > 0 then
    local head = redis.call('LINDEX', trig, 0)
    if head and tonumber(string.match(head, '^(%d+)|')) == headSeq then redis.call('LTRIM', trig, count, -1) end
  end
  local r = {'w', now + retryMs}
  if count > 0 then r = take(buf, trig, prefix .. 'meta:' .. chat, pending, now, debounce, maxWait, maxBatch, chat, rest) end
  if r[1] == 'w' or r[1] == 'e' then
    redis.call('HDEL', held, chat)
    if r[1] == 'w' then
      redis.call('ZADD', due, 'LT', r[2], chat)
      local w = tonumber(redis.call('GET', wake))
      if not w or w > r[2] or w < now - 2000 then
        redis.call('SET', wake, r[2])
        r[3] = 'wake'
      end
    end
  end
  return r
end
local out = {}
for i = 8, #ARGV, 5 do
  out[#out + 1] = ack(ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), ARGV[i + 4])
end
return out
`;

/**
 * finish: ARGV prefix, partition, now, lookMs → 0 when something is due within lookMs (keep looking), else
 * the next due time (the job waits until then; `wake` says so) or -1 when the partition is empty (`wake`
 * removed: the next push asks for a job). Atomic with pushes, so none falls between the look and the wait.
 */
export const FINISH = `${TAKE_FN}${PARTITION_KEYS}
local now, lookMs = tonumber(ARGV[3]), tonumber(ARGV[4])
local first = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')
if not first[2] then
  redis.call('DEL', wake)
  return -1
end
local nextDue = tonumber(first[2])
if nextDue <= now + lookMs then return 0 end
redis.call('SET', wake, nextDue)
return nextDue
`;

/**
 * revive: ARGV prefix, then chat, partition pairs → the partitions, one entry per chat. Chats the sweeper
 * found overdue are made due now in their partition, unless a live holder has a batch of theirs in flight
 * (a holder whose lease ran out died: its chat is taken back).
 */
export const REVIVE = `
local prefix = ARGV[1]
local out = {}
for i = 2, #ARGV, 2 do
  local chat, part = ARGV[i], ARGV[i + 1]
  local held = prefix .. 'held:' .. part
  local holder = redis.call('HGET', held, chat)
  if holder and redis.call('EXISTS', prefix .. 'lease:' .. holder) == 0 then
    redis.call('HDEL', held, chat)
    holder = false
  end
  if not holder then redis.call('ZADD', prefix .. 'due:' .. part, 'LT', 0, chat) end
  out[#out + 1] = part
end
return out
`;
