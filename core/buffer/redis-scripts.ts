/**
 * The buffer's atomic steps, as Redis Lua scripts. Keys of one chat: `buf` (buffered lane: a list of
 * `seq|ts|json`), `trig` (triggered lane, same shape), `meta` (hash: `bseq`/`tseq` sequence counters,
 * `first`/`last` push times of the buffered lane, `flushTo` (release up to this seq now), `scheduled`
 * (a flush job exists)); and the shared `pending` sorted set (chat → oldest unreleased push time) that
 * the sweeper reads.
 */

/** push: KEYS buf, trig, meta, pending; ARGV mode (b|f|t), ts, payload, chatKey → { seq, buffered length, newly scheduled } */
export const PUSH = `
local mode = ARGV[1]
local ts = ARGV[2]
local seq
local len
if mode == 't' then
  seq = redis.call('HINCRBY', KEYS[3], 'tseq', 1)
  redis.call('RPUSH', KEYS[2], seq .. '|' .. ts .. '|' .. ARGV[3])
  len = redis.call('LLEN', KEYS[1])
else
  seq = redis.call('HINCRBY', KEYS[3], 'bseq', 1)
  len = redis.call('RPUSH', KEYS[1], seq .. '|' .. ts .. '|' .. ARGV[3])
  if len == 1 then redis.call('HSET', KEYS[3], 'first', ts) end
  redis.call('HSET', KEYS[3], 'last', ts)
  if mode == 'f' then redis.call('HSET', KEYS[3], 'flushTo', seq) end
end
redis.call('ZADD', KEYS[4], 'NX', ts, ARGV[4])
local newly = redis.call('HSETNX', KEYS[3], 'scheduled', 1)
return {seq, len, newly}
`;

/**
 * take: KEYS buf, trig, meta, pending; ARGV now, debounceMs, maxWaitMs, maxBatch, chatKey.
 * → {'t', item} a triggered message; {'b', reason, items...} a due batch; {'w', dueAt} not yet due;
 * {'e'} nothing left (and the chat is marked unscheduled, atomically with finding it empty).
 */
export const TAKE = `
local t = redis.call('LRANGE', KEYS[2], 0, 0)
if #t > 0 then return {'t', t[1]} end
local len = redis.call('LLEN', KEYS[1])
if len == 0 then
  redis.call('HDEL', KEYS[3], 'scheduled', 'first', 'last', 'flushTo')
  redis.call('ZREM', KEYS[4], ARGV[5])
  return {'e'}
end
local m = redis.call('HMGET', KEYS[3], 'first', 'last', 'flushTo')
local first = tonumber(m[1]) or 0
local last = tonumber(m[2]) or 0
local flushTo = tonumber(m[3]) or 0
local now = tonumber(ARGV[1])
local debounce = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local maxBatch = tonumber(ARGV[4])
local n = math.min(len, maxBatch)
local items = redis.call('LRANGE', KEYS[1], 0, n - 1)
local head = tonumber(string.match(items[1], '^(%d+)|'))
local reason
if len >= maxBatch then reason = 'maxBatch'
elseif flushTo >= head then reason = 'flush'
elseif now >= first + maxWait then reason = 'maxWait'
elseif now >= last + debounce then reason = 'idle'
else return {'w', math.min(last + debounce, first + maxWait)} end
local out = {'b', reason}
for i = 1, #items do out[#out + 1] = items[i] end
return out
`;

/**
 * ack: KEYS list, meta, pending; ARGV headSeq, count, chatKey, lane (b|t). Removes exactly the batch that
 * was handled, and only if the list still starts with it: a zombie or duplicate worker cannot trim twice.
 * → 1 acknowledged, 0 fenced out.
 */
export const ACK = `
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return 0 end
if tonumber(string.match(head, '^(%d+)|')) ~= tonumber(ARGV[1]) then return 0 end
redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
if ARGV[4] == 'b' then
  local nh = redis.call('LINDEX', KEYS[1], 0)
  if nh then
    local ts = string.match(nh, '^%d+|(%d+)|')
    redis.call('HSET', KEYS[2], 'first', ts)
    redis.call('ZADD', KEYS[3], 'XX', ts, ARGV[3])
  end
end
return 1
`;

/** clear: KEYS buf, trig, meta, pending; ARGV chatKey → messages dropped. Sequence counters are kept. */
export const CLEAR = `
local n = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HDEL', KEYS[3], 'first', 'last', 'flushTo')
return n
`;
