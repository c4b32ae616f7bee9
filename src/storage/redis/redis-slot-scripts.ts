/**
 * Concurrency slots as Lua scripts, each applied whole. Keys under prefix P, for the group G of a
 * workflow and key value (a digest of both), and execution I:
 *   P:slots:line:G   sorted set of the executions in line or holding a slot, scored by their place
 *   P:slots:held:G   sorted set of the executions holding (or handed) a slot, scored by its expiry (ms)
 *   P:slots:of:I     hash: g (its group), limit, holder (the process that renews its slot)
 *   P:slots:lapse    sorted set of every execution holding or handed a slot, scored by its expiry
 * A slot whose expiry passed is free; its execution takes its old place in line when it asks again.
 *
 * An execution in line holding nothing is out of P:active, the index \`findClaimable\` walks, so the
 * recovery sweep never reads it however many wait; it is back in once it holds or is handed a slot.
 *
 * Every key expires the store's \`ttlSeconds\` (the last ARGV, in ms; 0 keeps them) after the last
 * take, renewal or release that touched it: an execution's own key is written after its last save,
 * so it outlives the execution's keys, and a holder renews its keys with its slot. Keys whose
 * execution is gone (expired, deleted without giving its slot up) go with it.
 */
const SLOT_PRELUDE = `
local P = ARGV[1]
local KEEP = tonumber(ARGV[#ARGV])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lapse_key = P .. ':slots:lapse'
local function line_key(g) return P .. ':slots:line:' .. g end
local function held_key(g) return P .. ':slots:held:' .. g end
local function of_key(id) return P .. ':slots:of:' .. id end
local function keep(key)
  if KEEP > 0 then redis.call('PEXPIRE', key, KEEP) else redis.call('PERSIST', key) end
end
local function keep_group(g)
  keep(line_key(g))
  keep(held_key(g))
end
-- Back in the index findClaimable walks, if it still is pending or running.
local function claimable_again(id)
  local exec = redis.call('HMGET', P .. ':exec:' .. id, 'status', 'created_at')
  if exec[1] == 'pending' or exec[1] == 'running' then
    redis.call('ZADD', P .. ':active', tonumber(exec[2]), id)
  end
end
local function holds_live(g, id)
  local expiry = redis.call('ZSCORE', held_key(g), id)
  return expiry ~= false and expiry ~= nil and tonumber(expiry) > now
end
-- In line and holding nothing. A member whose own key expired leaves the line here.
local function in_line(g, id)
  if redis.call('EXISTS', of_key(id)) == 0 then
    redis.call('ZREM', line_key(g), id)
    redis.call('ZREM', held_key(g), id)
    claimable_again(id)
    return false
  end
  return redis.call('ZSCORE', held_key(g), id) == false
end
-- Gives the execution a slot until now + ttl; without a holder it is handed one, kept for it.
local function hold(g, id, ttl, holder)
  redis.call('ZADD', held_key(g), now + ttl, id)
  redis.call('ZADD', lapse_key, now + ttl, id)
  if holder then redis.call('HSET', of_key(id), 'holder', holder) end
  keep(of_key(id))
  claimable_again(id)
end
`;

/** ARGV: P, id, group, limit, place, holder, ttl, key ttl. 1 when the execution holds a slot. */
export const TAKE_SLOT = `${SLOT_PRELUDE}
local id, g, limit, holder, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[6], tonumber(ARGV[7])
redis.call('ZADD', line_key(g), 'NX', tonumber(ARGV[5]), id)
redis.call('HSET', of_key(id), 'g', g, 'limit', ARGV[4])
keep(of_key(id))
keep_group(g)
if holds_live(g, id) then
  hold(g, id, ttl, holder)
  return 1
end
local taken = redis.call('ZCOUNT', held_key(g), '(' .. now, '+inf')
for _, member in ipairs(redis.call('ZRANGE', line_key(g), 0, -1)) do
  if member == id then break end
  if in_line(g, member) then
    taken = taken + 1
    if taken >= limit then break end
  end
end
if taken < limit then
  hold(g, id, ttl, holder)
  return 1
end
-- Refused: one whose slot lapsed is in line again, at its old place; a freed slot hands it on.
redis.call('ZREM', held_key(g), id)
redis.call('ZREM', lapse_key, id)
redis.call('HDEL', of_key(id), 'holder')
redis.call('ZREM', P .. ':active', id)
return 0
`;

/** ARGV: P, id, holder, ttl, key ttl. 1 when the holder's live slot was renewed. */
export const EXTEND_SLOT = `${SLOT_PRELUDE}
local id = ARGV[2]
local of = redis.call('HMGET', of_key(id), 'g', 'holder')
if not of[1] or of[2] ~= ARGV[3] or not holds_live(of[1], id) then return 0 end
hold(of[1], id, tonumber(ARGV[4]), nil)
keep_group(of[1])
return 1
`;

/**
 * ARGV: P, id, hand-on ttl (0: none), key ttl. The executions in line a slot is free for now, in order;
 * with a ttl each is handed its slot for that long, so one whose hand-on is lost lapses.
 */
export const RELEASE_SLOT = `${SLOT_PRELUDE}
local id, reserve = ARGV[2], tonumber(ARGV[3])
local of = redis.call('HMGET', of_key(id), 'g', 'limit')
redis.call('ZREM', lapse_key, id)
redis.call('DEL', of_key(id))
local g = of[1]
if not g then return {} end
redis.call('ZREM', line_key(g), id)
redis.call('ZREM', held_key(g), id)
local free = tonumber(of[2]) - redis.call('ZCOUNT', held_key(g), '(' .. now, '+inf')
local out = {}
if free <= 0 then return out end
for _, member in ipairs(redis.call('ZRANGE', line_key(g), 0, -1)) do
  if in_line(g, member) then
    table.insert(out, member)
    if reserve > 0 then hold(g, member, reserve, nil) end
    if #out >= free then break end
  end
end
keep_group(g)
return out
`;

/** ARGV: P, limit, key ttl. Executions whose slot (held or handed) lapsed, the longest lapsed first. */
export const LAPSED_SLOTS = `${SLOT_PRELUDE}
return redis.call('ZRANGEBYSCORE', lapse_key, '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
`;
