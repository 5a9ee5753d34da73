import { ENCODING_FN, TAKE_FN } from './redis-scripts.js';

/**
 * The scripts a partition's flush job runs (keys as in redis-scripts.ts; built from ARGV[1], the key prefix
 * `<prefix>:buffer:`, then ARGV[2], the partition). One BullMQ job per partition carries all its chats, so a
 * busy partition costs one claim per look at its due chats, not a BullMQ job per burst.
 */

const PARTITION_KEYS = `${ENCODING_FN}
local prefix, part = ARGV[1], ARGV[2]
local due, held, wake = prefix .. 'due:' .. part, prefix .. 'held:' .. part, prefix .. 'wake:' .. part
local function take_chat(chat, now, debounce, maxWait, maxBatch)
  return take(prefix, chat, prefix .. 'msgs:' .. chat, prefix .. 'trig:' .. chat, now, debounce, maxWait, maxBatch)
end
-- The partition's next due time as the string stored, or nil when no chat is in \`due\`.
local function nextDue()
  local first = redis.call('ZRANGE', due, '0', '0', 'WITHSCORES')
  if first[1] and first[1] ~= encodingMember then return first[2] end
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
 * this partition is awaiting its reply. A recovering claim also puts back the sets' ENCODING_MEMBER.
 */
export const CLAIM = `${TAKE_FN}${PARTITION_KEYS}
local now, limit, token = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local debounce, maxWait, maxBatch, lookMs = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
if ARGV[6] ~= '0' then
  redis.call('SET', prefix .. 'lease:' .. token, '1', 'PX', ARGV[11])
  keepEncoding(due, held)
  local inHand = {}
  for i = 12, #ARGV do inHand[ARGV[i]] = true end
  local all = redis.call('HGETALL', held)
  for i = 1, #all, 2 do
    local chat, holder = all[i], all[i + 1]
    local orphan
    if chat == encodingMember then orphan = false
    elseif holder == token then orphan = ARGV[6] == '2' and not inHand[chat]
    else orphan = redis.call('EXISTS', prefix .. 'lease:' .. holder) == 0 end
    if orphan then
      redis.call('HDEL', held, chat)
      redis.call('ZADD', due, '0', chat)
    end
  end
end
local out = {-1}
if limit > 0 then
  for _, chat in ipairs(redis.call('ZRANGEBYSCORE', due, '-inf', ARGV[3], 'LIMIT', '0', ARGV[4])) do
    local r = take_chat(chat, now, debounce, maxWait, maxBatch)
    if r[1] == 'w' then
      redis.call('ZADD', due, int(r[2]), chat)
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
local first = nextDue()
local look = now + lookMs
if first then
  out[1] = tonumber(first)
  if out[1] < look then look = out[1] end
end
redis.call('SET', wake, int(look))
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
local function ack(part, chat, headSeq, countArg, lane)
  local count = tonumber(countArg)
  local held = prefix .. 'held:' .. part
  if redis.call('HGET', held, chat) ~= token then return {'x'} end
  local buf, trig = prefix .. 'msgs:' .. chat, prefix .. 'trig:' .. chat
  local rest
  if count > 0 and lane == 'b' then
    -- One read serves the fence and the next take: the batch handled and the next one after it.
    local items = redis.call('LRANGE', buf, '0', int(count + maxBatch - 1))
    rest = items
    if items[1] and string.match(items[1], '^%d+') == headSeq then
      redis.call('LTRIM', buf, countArg, '-1')
      rest = {}
      for i = count + 1, #items do rest[#rest + 1] = items[i] end
    elseif #items > maxBatch then
      rest = {}
      for i = 1, maxBatch do rest[i] = items[i] end
    end
  elseif count > 0 then
    local head = redis.call('LINDEX', trig, '0')
    if head and string.match(head, '^%d+') == headSeq then redis.call('LTRIM', trig, countArg, '-1') end
  end
  local r
  if count > 0 then r = take(prefix, chat, buf, trig, now, debounce, maxWait, maxBatch, rest) else r = {'w', now + retryMs} end
  if r[1] == 'w' or r[1] == 'e' then
    redis.call('HDEL', held, chat)
    if r[1] == 'w' then
      local dueAt, wake = int(r[2]), prefix .. 'wake:' .. part
      redis.call('ZADD', prefix .. 'due:' .. part, 'LT', dueAt, chat)
      local w = tonumber(redis.call('GET', wake))
      if not w or w > r[2] or w < now - 2000 then
        redis.call('SET', wake, dueAt)
        r[3] = 'wake'
      end
    end
  end
  return r
end
local out = {}
for i = 8, #ARGV, 5 do
  out[#out + 1] = ack(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4])
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
local first = nextDue()
if not first then
  redis.call('DEL', wake)
  return -1
end
local at = tonumber(first)
if at <= now + lookMs then return 0 end
redis.call('SET', wake, first)
return at
`;

/**
 * sweep: ARGV prefix, holder, overdue (ms since the epoch), partitions → per partition { needs a job (1|0), the
 * chats `holder` holds in it… }. A partition needs a job when a chat in its `due` set was due before `overdue`
 * (nobody claimed it: the job was lost) or a chat in `held` belongs to a holder whose lease ran out (it died
 * with the batch; the job's recovering claim puts it back). The chats `holder` itself holds let the caller find
 * those of its own claims whose reply was lost (held, and not in hand).
 */
export const SWEEP = `${ENCODING_FN}
local prefix, token, overdue = ARGV[1], ARGV[2], ARGV[3]
-- Versions before these sets were swept kept a \`pending\` set for their sweeper: emptied here, so that such a
-- process still running during an upgrade revives nothing this one's takes emptied.
redis.call('DEL', prefix .. 'pending')
local out = {}
for part = 0, tonumber(ARGV[4]) - 1 do
  local due, held = prefix .. 'due:' .. part, prefix .. 'held:' .. part
  local needs = #redis.call('ZRANGEBYSCORE', due, '-inf', '(' .. overdue, 'LIMIT', '0', '1') > 0
  local row = {0}
  local all = redis.call('HGETALL', held)
  local alive = {}
  for i = 1, #all, 2 do
    local chat, holder = all[i], all[i + 1]
    if chat == encodingMember then -- not a chat
    elseif holder == token then row[#row + 1] = chat
    elseif not needs then
      if alive[holder] == nil then alive[holder] = redis.call('EXISTS', prefix .. 'lease:' .. holder) == 1 end
      needs = not alive[holder]
    end
  end
  if needs then row[1] = 1 end
  out[#out + 1] = row
end
return out
`;
