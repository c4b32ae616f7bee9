/**
 * Concurrency slots as Lua scripts, each applied whole. Keys under prefix P, for the group G of a
 * workflow and key value (a digest of both):
 *   P:slots:line:G   sorted set of the executions in line or holding a slot, scored by their place
 *   P:slots:held:G   sorted set of the executions holding a slot, scored by its expiry (ms)
 *   P:slots:of       hash I -> "G\nlimit": the group of an execution, for its release
 *   P:slots:holder   hash I -> the holder that renews its slot
 * A slot whose expiry passed is free; its execution takes its old place in line when it asks again.
 */
const SLOT_PRELUDE = `
local P = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function line_key(g) return P .. ':slots:line:' .. g end
local function held_key(g) return P .. ':slots:held:' .. g end
local function in_line(g, id) return redis.call('ZSCORE', held_key(g), id) == false end
local function holds_live(g, id)
  local expiry = redis.call('ZSCORE', held_key(g), id)
  return expiry ~= false and expiry ~= nil and tonumber(expiry) > now
end
`;

/** ARGV: P, id, group, limit, place, holder, ttl. 1 when the execution holds a slot. */
export const TAKE_SLOT = `${SLOT_PRELUDE}
local id, g, limit, holder, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[6], tonumber(ARGV[7])
local function grant()
  redis.call('ZADD', held_key(g), now + ttl, id)
  redis.call('HSET', P .. ':slots:holder', id, holder)
  return 1
end
if holds_live(g, id) then return grant() end
redis.call('ZADD', line_key(g), 'NX', tonumber(ARGV[5]), id)
redis.call('HSET', P .. ':slots:of', id, g .. '\\n' .. ARGV[4])
local taken = redis.call('ZCOUNT', held_key(g), '(' .. now, '+inf')
for _, member in ipairs(redis.call('ZRANGE', line_key(g), 0, -1)) do
  if member == id then break end
  if in_line(g, member) then
    taken = taken + 1
    if taken >= limit then break end
  end
end
if taken < limit then return grant() end
-- Refused: one whose slot lapsed is in line again, at its old place.
redis.call('ZREM', held_key(g), id)
redis.call('HDEL', P .. ':slots:holder', id)
return 0
`;

/** ARGV: P, id, holder, ttl. 1 when the holder's live slot was renewed. */
export const EXTEND_SLOT = `${SLOT_PRELUDE}
local id = ARGV[2]
if redis.call('HGET', P .. ':slots:holder', id) ~= ARGV[3] then return 0 end
local of = redis.call('HGET', P .. ':slots:of', id)
if not of then return 0 end
local g = string.match(of, '^(.*)\\n')
if not holds_live(g, id) then return 0 end
redis.call('ZADD', held_key(g), now + tonumber(ARGV[4]), id)
return 1
`;

/** ARGV: P, id. The executions in line a slot is free for now, in order. */
export const RELEASE_SLOT = `${SLOT_PRELUDE}
local id = ARGV[2]
local of = redis.call('HGET', P .. ':slots:of', id)
if not of then return {} end
local g, limit = string.match(of, '^(.*)\\n(%d+)$')
redis.call('ZREM', line_key(g), id)
redis.call('ZREM', held_key(g), id)
redis.call('HDEL', P .. ':slots:of', id)
redis.call('HDEL', P .. ':slots:holder', id)
local free = tonumber(limit) - redis.call('ZCOUNT', held_key(g), '(' .. now, '+inf')
local out = {}
if free <= 0 then return out end
for _, member in ipairs(redis.call('ZRANGE', line_key(g), 0, -1)) do
  if in_line(g, member) then
    table.insert(out, member)
    if #out >= free then break end
  end
end
return out
`;
