import type { Batch, BatchLane, ChatKey, InboundMessage, ReleaseReason } from '../message/index.js';
import { oncePerCallLua } from '../redis/index.js';
import { readStored } from './stored-message.js';

/**
 * The buffer's atomic steps, as Redis Lua scripts. Keys of one chat, under `<prefix>:buffer:`: `msgs:<chat>`
 * (buffered lane: a list of `seq|ts|message`, the message as stored-message.ts writes it), `trig:<chat>`
 * (triggered lane, same shape), `meta:<chat>` (hash: `bseq`/`tseq` sequence counters and `flushTo`, release up
 * to this seq now). Per partition `<n>` of the chats: `due:<n>` (sorted set: chat → when to look at it next),
 * `held:<n>` (hash: chat → claim token, the chats with a batch in flight) and `wake:<n>` (when the partition's
 * flush job looks at its chats next; absent: no job). A chat with messages is always in its partition's `due` or
 * `held` (each script keeps it so), which is what the sweeper looks at. The push times of a batch are read from
 * its items.
 */

/**
 * How long Redis remembers a caller's last call number: longer than any outage a process waits out, and
 * than a spool file saved at shutdown waits for the next start (see spool.ts). One small key per process.
 */
const CALLER_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Lua helpers of every script. `int(n)`: an integer as Redis's argument, in decimal. A Lua number handed to
 * `redis.call` is formatted by Redis with `%.17g` (and one joined to a string by Lua with `%.14g`): a
 * floating-point conversion of ~2,400 instructions an argument, where `%d` costs a third of that and a constant
 * string nothing (callgrind, DESIGN-NOTES issue 20). So the scripts pass strings: constants as `'0'`, ARGV as
 * given, computed times through `int`.
 */
const INT_FN = `
local function int(n) return string.format('%d', n) end
`;

/**
 * A member kept in every partition's `due` sorted set (scored past any time) and `held` hash, so that Redis
 * keeps them in their hash-table encodings: below 129 members of up to 64 bytes Redis stores a set compactly
 * (listpack), where adding or removing a chat scans the whole set. At ~125 chats a partition that was a sixth
 * of Redis's instructions a message (callgrind, DESIGN-NOTES issue 20); the encoding, once converted, stays.
 * Longer than any default `*-max-listpack-value`, and never a chat key (those start `<adapter>-`). Its absence
 * (a flushed Redis) costs only speed: the next claim that recovers puts it back. Readers skip it.
 */
const ENCODING_MEMBER =
  'nekomata: this member keeps the set in its hash-table encoding, so that a chat added or removed costs the same for 10 chats or 10,000';
/** Its score in `due`: after any time in ms (the year 287,000). */
const ENCODING_SCORE = '9000000000000000';

/** Lua: `keepEncoding(due, held)` puts the member back; readers compare chats with `encodingMember`. */
export const ENCODING_FN = `
local encodingMember = '${ENCODING_MEMBER}'
local function keepEncoding(due, held)
  redis.call('ZADD', due, 'NX', '${ENCODING_SCORE}', encodingMember)
  redis.call('HSETNX', held, encodingMember, '-')
end
`;

/**
 * push many: ARGV key prefix (`<prefix>:buffer:`), debounceMs, maxBatch, caller, call number, then two per
 * message: `<mode b|f|t><partition>:<chatKey>` and `<push time>|<payload>` (the item's tail as stored). → {} when this
 * caller's call of that number (or a later one) already ran: a call sent again after its reply was lost
 * with the connection is not stored twice (`caller:<caller>` keeps the caller's last call number for
 * CALLER_TTL_MS; a caller's calls run in the order they are numbered, one connection sending them). Else
 * four entries per run of messages stored together (one chat's consecutive buffered messages, or a single
 * message), in order:
 * { k (the run's messages), the last one's seq, the buffered lane's length after it (for `t`, as it is), when
 * the partition's job must run (-1: it need not be scheduled) }: message m (1..k) of the run has seq
 * last − k + m and length len − k + m. { k, -1, error text, -1 } when the run could not be stored (its
 * sequence numbers are given back). The other runs are stored regardless. Per run rather than per message:
 * decoding three integers a message was ~1 µs of the client's CPU per message (ioredis's reply decoder).
 *
 * A chat becomes due (its partition's `due` set) only on the first run of a burst (at its last push + debounce)
 * and when it must go at once (maxBatch reached, flush, trigger); later messages of a burst only append:
 * the claim reads the last push time from the list and re-scores. A chat with a batch in flight is left to
 * that batch's ack. The job is asked for only when none is due to look by then (`wake`).
 *
 * A chat's keys are built here from the prefix rather than declared: three keys per message were a
 * measurable share of the client's encoding and Redis's parsing (a single Redis holds the buffer). A run of
 * one chat's buffered messages (a burst read in one turn) is stored with one HINCRBY and one RPUSH; its
 * messages share their first argument, so a run is told by comparing it (Lua's strings are interned), and it is
 * parsed once a run. Two arguments a message rather than four: each cost Redis ~975 instructions and ioredis
 * ~0.3 µs of the client's CPU (DESIGN-NOTES, issue 20).
 */
export const PUSH_MANY = `${INT_FN}
local out = {}
local prefix = ARGV[1]
local debounce, maxBatch = tonumber(ARGV[2]), tonumber(ARGV[3])
local caller = prefix .. 'caller:' .. ARGV[4]
${oncePerCallLua('caller', 'ARGV[5]', CALLER_TTL_MS)}
local n = (#ARGV - 5) / 2
local function who(i) return ARGV[6 + i * 2] end
local function tail(i) return ARGV[7 + i * 2] end
local function timeOf(i) return tonumber(string.match(tail(i), '^%d+')) end
-- Each partition's wake time as this call leaves it: read once a call, with one MGET for all the call's
-- partitions when the first run needs one (a GET each was ~0.1 command a message with calls of 64).
local wakes
local function wakeOf(part)
  if wakes == nil then
    wakes = {}
    local seen, parts, keys = {}, {}, {}
    for m = 0, n - 1 do
      local id = who(m)
      if not seen[id] then
        seen[id] = true
        local p = string.match(id, '^%a(%d+):')
        if wakes[p] == nil then
          wakes[p] = false
          parts[#parts + 1] = p
          keys[#keys + 1] = prefix .. 'wake:' .. p
        end
      end
    end
    local found = redis.call('MGET', unpack(keys))
    for x = 1, #parts do wakes[parts[x]] = tonumber(found[x]) or false end
  end
  return wakes[part]
end
local i = 0
while i < n do
  local id = who(i)
  local mode, part, chat = string.match(id, '^(%a)(%d+):(.*)$')
  local j = i + 1
  if mode == 'b' then
    while j < n and who(j) == id do j = j + 1 end
  end
  local k = j - i
  local buf, meta = prefix .. 'msgs:' .. chat, prefix .. 'meta:' .. chat
  local list, field = buf, 'bseq'
  if mode == 't' then list, field = prefix .. 'trig:' .. chat, 'tseq' end
  local last = redis.pcall('HINCRBY', meta, field, int(k))
  local len
  if type(last) == 'table' then
    len = last
  else
    local items = {}
    for m = 0, k - 1 do items[m + 1] = int(last - k + 1 + m) .. '|' .. tail(i + m) end
    len = redis.pcall('RPUSH', list, unpack(items))
    if type(len) == 'table' then redis.call('HINCRBY', meta, field, int(-k)) end
  end
  if type(len) == 'table' then
    out[#out + 1] = k
    out[#out + 1] = -1
    out[#out + 1] = tostring(len.err or len)
    out[#out + 1] = -1
  else
    local first = timeOf(i)
    local lastTs = k == 1 and first or timeOf(j - 1)
    local due = -1
    if mode ~= 'b' then due = lastTs
    elseif len >= maxBatch and len - k < maxBatch then due = lastTs
    -- A run that fills an empty list holds every message waiting: due at its last one's push + debounce. (Due
    -- at the first's, a run whose pushes straddled a millisecond was looked at too early and re-scored.)
    elseif len == k then due = lastTs + debounce end
    if mode == 't' then len = redis.call('LLEN', buf)
    elseif mode == 'f' then redis.call('HSET', meta, 'flushTo', int(last)) end
    local run = -1
    if due >= 0 and redis.call('HEXISTS', prefix .. 'held:' .. part, chat) == 0 then
      local dueAt = int(due)
      redis.call('ZADD', prefix .. 'due:' .. part, 'LT', dueAt, chat)
      local w = wakeOf(part)
      -- A look time long past means the job died or failed for good: ask again rather than wait for the sweeper.
      if not w or w > due or w < lastTs - 2000 then
        redis.call('SET', prefix .. 'wake:' .. part, dueAt)
        w = due
        run = due
      end
      wakes[part] = w
    end
    out[#out + 1] = k
    out[#out + 1] = last
    out[#out + 1] = len
    out[#out + 1] = run
  end
  i = j
end
return out
`;

/**
 * take(prefix, chat, buf, trig, now, debounce, maxWait, maxBatch[, items]) →
 * {'t', item} a triggered message; {'b', reason, items} a due batch, its items joined by ITEM_SEPARATOR
 * (stored-message.ts: U+001E, `\30` in Lua); {'w', dueAt} not yet due; {'e'} nothing left. `items`, when
 * given, is the head of the buffered lane (up to maxBatch) as the caller already read it in the same script.
 *
 * A batch's items as one string rather than a bulk string each: ioredis decodes each bulk string of a reply on
 * its own (several calls into its decoder, a buffer, then a string), and `table.concat` joins them in Redis for
 * less than replying them one by one costs it (DESIGN-NOTES, issue 20).
 */
export const TAKE_FN = `${INT_FN}
local function tsOf(item) return tonumber(string.match(item, '^%d+|(%d+)|')) end
local takeEnd
local function take(prefix, chat, buf, trig, now, debounce, maxWait, maxBatch, items)
  local t = redis.call('LINDEX', trig, '0')
  if t then return {'t', t} end
  if not items then
    takeEnd = takeEnd or int(maxBatch - 1)
    items = redis.call('LRANGE', buf, '0', takeEnd)
  end
  local n = #items
  if n == 0 then return {'e'} end
  local reason = 'maxBatch'
  if n < maxBatch then
    -- The head's number is read only for a chat with a flush mark (one ever flushed): ~3,300 instructions a take.
    local flushTo = redis.call('HGET', prefix .. 'meta:' .. chat, 'flushTo')
    if flushTo and tonumber(flushTo) >= tonumber(string.match(items[1], '^(%d+)|')) then
      reason = 'flush'
    else
      -- Fewer than maxBatch items: the range holds the whole list, its last item is the latest push.
      local first = tsOf(items[1])
      local last = n == 1 and first or tsOf(items[n])
      if now >= first + maxWait then reason = 'maxWait'
      elseif now >= last + debounce then reason = 'idle'
      else return {'w', math.min(last + debounce, first + maxWait)} end
    end
  end
  return {'b', reason, table.concat(items, '\\30')}
end
`;

/**
 * clear: KEYS buf, trig, meta, due (of the chat's partition); ARGV chatKey → messages dropped.
 * Sequence counters are kept; a batch in flight stays held until its ack (whose fence then trims nothing).
 */
export const CLEAR = `
local n = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HDEL', KEYS[3], 'flushTo')
redis.call('ZREM', KEYS[4], ARGV[1])
return n
`;

/** A batch from the items (`seq|ts|stored message`, see stored-message.ts) a take returned. */
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
    messages.push(readStored(item.slice(b + 1), chatKey));
  });
  return { chatKey, lane, firstSeq, lastSeq, messages, reason, releasedAt: Date.now(), pushedAt };
}
