import type { Batch, BatchLane, ChatKey, InboundMessage, ReleaseReason } from '../message/index.js';

/**
 * The buffer's atomic steps, as Redis Lua scripts. Keys of one chat: `buf` (buffered lane: a list of
 * `seq|ts|json`), `trig` (triggered lane, same shape), `meta` (hash: `bseq`/`tseq` sequence counters and
 * `flushTo`, release up to this seq now); and the shared `pending` sorted set (chat → oldest unreleased push
 * time, roughly) that the sweeper reads. The push times of a batch are read from its items, so pushing a
 * message costs two writes, plus one on a chat's first message.
 */

/**
 * push many: KEYS pending; ARGV key prefix (`<prefix>:buffer:`), then per message chatKey, mode (b|f|t)
 * followed by its push time, payload. → per message two entries: { seq, buffered lane's length (after the
 * push; for `t`, as it is) }, or { -1, error text } when that message could not be stored (its sequence
 * number is given back). The others are stored regardless, in order.
 *
 * A chat's keys are built here from the prefix rather than declared: three keys per message were a
 * measurable share of the client's encoding and Redis's parsing (a single Redis holds the buffer; see the
 * README on Redis Cluster). Consecutive buffered messages of one chat (a burst read in one turn) are stored
 * with one HINCRBY and one RPUSH, not one each.
 */
export const PUSH_MANY = `
local out = {}
local pending, prefix = KEYS[1], ARGV[1]
local n = (#ARGV - 1) / 3
local i = 0
while i < n do
  local chat, mt = ARGV[2 + i * 3], ARGV[3 + i * 3]
  local mode, ts = string.sub(mt, 1, 1), string.sub(mt, 2)
  local j = i + 1
  if mode == 'b' then
    while j < n and ARGV[2 + j * 3] == chat and ARGV[3 + j * 3]:byte(1) == 98 do j = j + 1 end
  end
  local k = j - i
  local buf, meta = prefix .. 'msgs:' .. chat, prefix .. 'meta:' .. chat
  local list, field = buf, 'bseq'
  if mode == 't' then list, field = prefix .. 'trig:' .. chat, 'tseq' end
  local last = redis.pcall('HINCRBY', meta, field, k)
  local len
  if type(last) == 'table' then
    len = last
  else
    local items = {}
    for m = 0, k - 1 do
      items[m + 1] = (last - k + 1 + m) .. '|' .. string.sub(ARGV[3 + (i + m) * 3], 2) .. '|' .. ARGV[4 + (i + m) * 3]
    end
    len = redis.pcall('RPUSH', list, unpack(items))
    if type(len) == 'table' then redis.call('HINCRBY', meta, field, -k) end
  end
  if type(len) == 'table' then
    for m = 1, k do
      out[#out + 1] = -1
      out[#out + 1] = tostring(len.err or len)
    end
  else
    if len == k then redis.call('ZADD', pending, 'NX', ts, chat) end
    if mode == 't' then len = redis.call('LLEN', buf)
    elseif mode == 'f' then redis.call('HSET', meta, 'flushTo', last) end
    for m = 1, k do
      out[#out + 1] = last - k + m
      out[#out + 1] = mode == 't' and len or len - k + m
    end
  end
  i = j
end
return out
`;

/**
 * take(buf, trig, meta, pending, now, debounce, maxWait, maxBatch, chat) →
 * {'t', item} a triggered message; {'b', reason, items...} a due batch; {'w', dueAt} not yet due;
 * {'e'} nothing left (the chat leaves `pending`, atomically with being found empty).
 */
const TAKE_FN = `
local function tsOf(item) return tonumber(string.match(item, '^%d+|(%d+)|')) end
local function take(buf, trig, meta, pending, now, debounce, maxWait, maxBatch, chat)
  local t = redis.call('LINDEX', trig, 0)
  if t then return {'t', t} end
  local items = redis.call('LRANGE', buf, 0, maxBatch - 1)
  local n = #items
  if n == 0 then
    redis.call('ZREM', pending, chat)
    return {'e'}
  end
  local reason
  if n >= maxBatch then
    reason = 'maxBatch'
  elseif (tonumber(redis.call('HGET', meta, 'flushTo')) or 0) >= tonumber(string.match(items[1], '^(%d+)|')) then
    reason = 'flush'
  else
    -- Fewer than maxBatch items: the range holds the whole list, its last item is the latest push.
    local first, last = tsOf(items[1]), tsOf(items[n])
    if now >= first + maxWait then reason = 'maxWait'
    elseif now >= last + debounce then reason = 'idle'
    else return {'w', math.min(last + debounce, first + maxWait)} end
  end
  local out = {'b', reason}
  for i = 1, n do out[#out + 1] = items[i] end
  return out
end
`;

/** take: KEYS buf, trig, meta, pending; ARGV now, debounceMs, maxWaitMs, maxBatch, chatKey → as take(). */
export const TAKE = `${TAKE_FN}
return take(KEYS[1], KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5])
`;

/**
 * ack + take: KEYS buf, trig, meta, pending; ARGV headSeq, count, lane (b|t), now, debounceMs, maxWaitMs,
 * maxBatch, chatKey. Removes exactly the batch that was handled, and only if its lane still starts with it
 * (a zombie or duplicate worker cannot trim twice), then answers as take() does: one round trip per batch.
 */
export const ACK_TAKE = `${TAKE_FN}
local list = KEYS[1]
if ARGV[3] == 't' then list = KEYS[2] end
local head = redis.call('LINDEX', list, 0)
if head and tonumber(string.match(head, '^(%d+)|')) == tonumber(ARGV[1]) then
  redis.call('LTRIM', list, tonumber(ARGV[2]), -1)
  if ARGV[3] == 'b' then
    local nh = redis.call('LINDEX', KEYS[1], 0)
    if nh then redis.call('ZADD', KEYS[4], 'XX', tsOf(nh), ARGV[8]) end
  end
end
return take(KEYS[1], KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8])
`;

/** clear: KEYS buf, trig, meta, pending; ARGV chatKey → messages dropped. Sequence counters are kept. */
export const CLEAR = `
local n = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HDEL', KEYS[3], 'flushTo')
redis.call('ZREM', KEYS[4], ARGV[1])
return n
`;

/** A batch from the items (`seq|ts|json`) a take returned. */
export function toBatch(chatKey: ChatKey, lane: BatchLane, reason: ReleaseReason, items: readonly string[]): Batch {
  const messages: InboundMessage[] = [];
  const pushedAt: number[] = [];
  let firstSeq = 0;
  let lastSeq = 0;
  items.forEach((item, i) => {
    const a = item.indexOf('|');
    const b = item.indexOf('|', a + 1);
    const seq = Number(item.slice(0, a));
    if (i === 0) firstSeq = seq;
    lastSeq = seq;
    pushedAt.push(Number(item.slice(a + 1, b)));
    messages.push(JSON.parse(item.slice(b + 1)) as InboundMessage);
  });
  return { chatKey, lane, firstSeq, lastSeq, messages, reason, releasedAt: Date.now(), pushedAt };
}
