/**
 * Every change that touches several keys runs as one Lua script, so Redis applies it whole. Scripts
 * check everything that could fail before their first write: Redis does not roll a script back.
 *
 * Keys under prefix P, for execution I of workflow W:
 *   P:exec:I            hash: data (JSON), revision, status, workflow_id, created_at (ms), and
 *                       state: the fields a checkpoint in parts wrote since the last whole write
 *                       (all but input and context, with loop frames as cursors), over data's
 *   P:vars:I            hash of the context variables checkpoints in parts set: name -> JSON, or
 *                       '' for one removed; over data's context
 *   P:loops:I           hash of the loops kept in parts: loop key -> items JSON ('' for a while loop)
 *   P:loop:I:L          list of loop L's results, one pushed per iteration
 *   P:entries:I         list of entry JSON, oldest first
 *   P:lease:I           the worker holding the lease, expiring with it
 *   P:all, P:idx:W, P:status:S, P:idx:W:status:S, P:active   sorted sets of ids scored by creation
 *   P:expiry            sorted set of ids scored by the time their keys expire
 *   P:halted-leases     sorted set of halted executions someone took a lease on (to answer a resume or a
 *                       timer), scored by creation; once the lease expired unreleased, the work was lost
 *   P:timers            sorted set of halted executions waiting on a timer, scored by when it is due (ms)
 *   P:locator           hash I -> "W\nS": where an expired execution's id still has to be removed from
 *   P:workflows         set of workflow ids that have (or had) executions, for counting
 *   P:workflows:learnt  progress of adding the workflows of executions written before that set was
 *                       kept: the creation ms reached, then 'done'
 *   P:event-waits:K     set of ids of executions halted at an event step whose wait key is K
 *   P:event-wait-of     hash I -> K, to take I out of its wait set when it leaves the wait
 *   P:event-shapes:N    set of the match field sets (JSON) waits for the event name digest N used
 *   P:event:E           hash of kept event E: name, digest, payload (JSON), sent_at (ms)
 *   P:events:N, P:events  sorted sets of kept event ids by sent ms, per name digest and all
 *   P:events-undelivered  sorted set of kept event ids by sent ms whose deliveries were not handed off
 * Index entries of executions whose keys expired are purged before any read or write looks at them.
 */
const PRELUDE = `
local P = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Byte order, the order of equal scores in a sorted set; Lua's < follows the server's locale.
local function bytes_less(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function exec_key(id) return P .. ':exec:' .. id end
local function entries_key(id) return P .. ':entries:' .. id end
local function lease_key(id) return P .. ':lease:' .. id end
local function vars_key(id) return P .. ':vars:' .. id end
local function loops_key(id) return P .. ':loops:' .. id end
local function loop_key(id, loop) return P .. ':loop:' .. id .. ':' .. loop end
-- The execution's keys besides its hash: its loops' result lists come from the loops hash.
local function part_keys(id)
  local keys = { vars_key(id), loops_key(id) }
  for _, loop in ipairs(redis.call('HKEYS', loops_key(id))) do keys[#keys + 1] = loop_key(id, loop) end
  return keys
end
local function drop_parts(id)
  redis.call('DEL', unpack(part_keys(id)))
end
-- {state or false, {name, JSON, ...}, {loop, items, {results...}, ...}}: what load joins to data.
local function parts_of(id, state)
  local loops = {}
  local kept = redis.call('HGETALL', loops_key(id))
  for i = 1, #kept, 2 do
    loops[#loops + 1] = kept[i]
    loops[#loops + 1] = kept[i + 1]
    loops[#loops + 1] = redis.call('LRANGE', loop_key(id, kept[i]), 0, -1)
  end
  return { state or false, redis.call('HGETALL', vars_key(id)), loops }
end
local function index_keys(wf, status)
  return { P .. ':all', P .. ':idx:' .. wf, P .. ':status:' .. status, P .. ':idx:' .. wf .. ':status:' .. status }
end
local function unindex(id, wf, status)
  for _, key in ipairs(index_keys(wf, status)) do redis.call('ZREM', key, id) end
  redis.call('ZREM', P .. ':active', id)
end
local function unwait(id)
  local waiting = redis.call('HGET', P .. ':event-wait-of', id)
  if waiting then
    redis.call('SREM', P .. ':event-waits:' .. waiting, id)
    redis.call('HDEL', P .. ':event-wait-of', id)
  end
end
local function forget(id)
  local located = redis.call('HGET', P .. ':locator', id)
  if located then
    local sep = string.find(located, '\\n', 1, true)
    unindex(id, string.sub(located, 1, sep - 1), string.sub(located, sep + 1))
  end
  redis.call('HDEL', P .. ':locator', id)
  redis.call('ZREM', P .. ':expiry', id)
  redis.call('ZREM', P .. ':all', id)
  redis.call('ZREM', P .. ':active', id)
  redis.call('ZREM', P .. ':halted-leases', id)
  redis.call('ZREM', P .. ':timers', id)
  redis.call('DEL', entries_key(id), lease_key(id))
  drop_parts(id)
  unwait(id)
end
local function purge_expired(now)
  local due = redis.call('ZRANGEBYSCORE', P .. ':expiry', '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    local left = redis.call('PTTL', exec_key(id))
    if left == -2 then forget(id)
    elseif left == -1 then redis.call('ZREM', P .. ':expiry', id)
    else redis.call('ZADD', P .. ':expiry', now + left, id) end
  end
end
local function require_list(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind ~= 'none' and kind ~= 'list' then
    return redis.error_reply('WRONGTYPE ' .. key .. ' holds a ' .. kind .. ', not the list of entries')
  end
end
-- Parts exist only beside a state field: every checkpoint in parts writes one, a whole write
-- removes both, so an execution never written in parts costs no look-up of its parts.
local function has_parts(id) return redis.call('HEXISTS', exec_key(id), 'state') == 1 end
local function refresh_ttl(id, ttl, now)
  local keys = has_parts(id) and part_keys(id) or {}
  keys[#keys + 1] = exec_key(id)
  keys[#keys + 1] = entries_key(id)
  for _, key in ipairs(keys) do
    if ttl > 0 then redis.call('EXPIRE', key, ttl) else redis.call('PERSIST', key) end
  end
  if ttl > 0 then
    redis.call('ZADD', P .. ':expiry', now + ttl * 1000, id)
  else
    redis.call('ZREM', P .. ':expiry', id)
  end
end
-- Walks a sorted set in score order and returns {id, data, revision, parts, ...} for up to limit live
-- executions accepted by keep(id); ids whose keys are gone are forgotten on the way. range(offset,
-- count), when given, reads the set instead of the whole of it in either order. ids_only: parts
-- are left out, for a caller that wants the ids.
local function collect(key, limit, reverse, keep, range, ids_only)
  local out, found, offset, chunk = {}, 0, 0, 200
  while found < limit do
    local ids
    if range then ids = range(offset, chunk)
    elseif reverse then ids = redis.call('ZREVRANGE', key, offset, offset + chunk - 1)
    else ids = redis.call('ZRANGE', key, offset, offset + chunk - 1) end
    if #ids == 0 then break end
    for _, id in ipairs(ids) do
      local fields = redis.call('HMGET', exec_key(id), 'data', 'revision', 'state')
      if not fields[1] then
        forget(id)
        redis.call('ZREM', key, id)
        offset = offset - 1
      elseif keep == nil or keep(id) then
        out[#out + 1] = id
        out[#out + 1] = fields[1]
        out[#out + 1] = fields[2]
        out[#out + 1] = ids_only or parts_of(id, fields[3])
        found = found + 1
        if found >= limit then break end
      end
    end
    offset = offset + #ids
  end
  return out
end
`;

/**
 * ARGV: P, id, expected revision ('' = new), workflow id, status, created ms, data, ttl s, lease
 * owner to release ('' = none), event wait change ('' = none, 'clear', 'set'), wait key, name
 * digest, match fields JSON, timer due ms ('' = none), lease owner to claim ('' = none), its ttl
 * ms, 'whole' or 'parts', entry count n, entries... A claim is refused ({0, 'leased'}) while another
 * owner's lease lives. For 'whole', data is the whole execution and its parts go. For 'parts', data
 * is its state (all but input and context), and after the entries come: count and (name, JSON) pairs
 * of variables set; count and names of variables removed; count and (loop, keep from, keep below) of
 * loops ended (keep below -1) or begun again; count and (loop, position, JSON) of loop values,
 * position -1 for the items.
 */
export const CHECKPOINT = `${PRELUDE}
local id, expected, wf, status = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local created, data, ttl, release = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]), ARGV[9]
local wait_change, wait_key, wait_name, wait_fields = ARGV[10], ARGV[11], ARGV[12], ARGV[13]
local due, claim, claim_ms = tonumber(ARGV[14]), ARGV[15], tonumber(ARGV[16])
local mode, entry_count = ARGV[17], tonumber(ARGV[18])
local now = now_ms()
purge_expired(now)
local key = exec_key(id)
local current = redis.call('HMGET', key, 'revision', 'workflow_id', 'status')
if expected == '' then
  if current[1] then return {0, 'exists'} end
else
  if not current[1] then return {0, 'missing'} end
  if current[1] ~= expected then return {0, 'stale'} end
end
if claim ~= '' then
  local holder = redis.call('GET', lease_key(id))
  if holder and holder ~= claim then return {0, 'leased'} end
end
local wrong = require_list(entries_key(id))
if wrong then return wrong end
local revision = (tonumber(current[1]) or 0) + 1
local last_entry = 18 + entry_count
if mode == 'parts' then
  redis.call('HSET', key, 'state', data, 'revision', revision, 'status', status, 'workflow_id', wf, 'created_at', created)
  local at = last_entry + 1
  local function next_arg() at = at + 1; return ARGV[at - 1] end
  for _ = 1, tonumber(next_arg()) do
    local name = next_arg()
    redis.call('HSET', vars_key(id), name, next_arg())
  end
  -- A removed variable is marked, as data's context may still hold it.
  for _ = 1, tonumber(next_arg()) do redis.call('HSET', vars_key(id), next_arg(), '') end
  for _ = 1, tonumber(next_arg()) do
    local loop, keep_from, keep_below = next_arg(), tonumber(next_arg()), tonumber(next_arg())
    redis.call('DEL', loop_key(id, loop))
    if keep_below < 0 then redis.call('HDEL', loops_key(id), loop)
    else redis.call('HSET', loops_key(id), loop, '') end
  end
  for _ = 1, tonumber(next_arg()) do
    local loop, position, value = next_arg(), tonumber(next_arg()), next_arg()
    if position < 0 then
      redis.call('HSET', loops_key(id), loop, value)
    elseif position < redis.call('LLEN', loop_key(id, loop)) then
      redis.call('LSET', loop_key(id, loop), position, value)
    else
      redis.call('RPUSH', loop_key(id, loop), value)
    end
  end
else
  redis.call('HSET', key, 'data', data, 'revision', revision, 'status', status, 'workflow_id', wf, 'created_at', created)
  if has_parts(id) then
    redis.call('HDEL', key, 'state')
    drop_parts(id)
  end
end
for first = 19, last_entry, 1000 do
  redis.call('RPUSH', entries_key(id), unpack(ARGV, first, math.min(first + 999, last_entry)))
end
if claim ~= '' then redis.call('SET', lease_key(id), claim, 'PX', claim_ms) end
if release ~= '' and redis.call('GET', lease_key(id)) == release then
  redis.call('DEL', lease_key(id))
end
if current[2] and (current[2] ~= wf or current[3] ~= status) then unindex(id, current[2], current[3]) end
for _, index in ipairs(index_keys(wf, status)) do redis.call('ZADD', index, created, id) end
if status == 'pending' or status == 'running' then
  redis.call('ZADD', P .. ':active', created, id)
else
  redis.call('ZREM', P .. ':active', id)
end
if status == 'halted' and redis.call('EXISTS', lease_key(id)) == 1 then
  redis.call('ZADD', P .. ':halted-leases', created, id)
else
  redis.call('ZREM', P .. ':halted-leases', id)
end
if status == 'halted' and due then
  redis.call('ZADD', P .. ':timers', due, id)
else
  redis.call('ZREM', P .. ':timers', id)
end
redis.call('HSET', P .. ':locator', id, wf .. '\\n' .. status)
redis.call('SADD', P .. ':workflows', wf)
if wait_change ~= '' then unwait(id) end
if wait_change == 'set' then
  redis.call('SADD', P .. ':event-waits:' .. wait_key, id)
  redis.call('HSET', P .. ':event-wait-of', id, wait_key)
  redis.call('SADD', P .. ':event-shapes:' .. wait_name, wait_fields)
end
refresh_ttl(id, ttl, now)
return {1, revision}
`;

/** ARGV: P, execution id, entry JSON, ttl s. Returns 0 when the execution does not exist. */
export const RECORD = `${PRELUDE}
local id, entry, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4])
local now = now_ms()
purge_expired(now)
if redis.call('EXISTS', exec_key(id)) == 0 then return 0 end
local wrong = require_list(entries_key(id))
if wrong then return wrong end
redis.call('RPUSH', entries_key(id), entry)
refresh_ttl(id, ttl, now)
return 1
`;

/**
 * ARGV: P, workflow id or '', status or '', limit, and the id of the execution the page comes after
 * ('' = from the start). Newest first, ties by id descending: {id, data, revision, parts, ...}; {'missing'}
 * when that execution is not there.
 */
export const FIND = `${PRELUDE}
local wf, status, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
local before_id = ARGV[5]
purge_expired(now_ms())
local before_score = nil
if before_id ~= '' then
  before_score = tonumber(redis.call('ZSCORE', P .. ':all', before_id))
  if not before_score then return {'missing'} end
end
local key = P .. ':all'
if wf ~= '' and status ~= '' then key = P .. ':idx:' .. wf .. ':status:' .. status
elseif wf ~= '' then key = P .. ':idx:' .. wf
elseif status ~= '' then key = P .. ':status:' .. status end
if not before_score then return collect(key, limit, true, nil) end
-- From the cursor's score down; of the ids at that very score only the smaller ones.
return collect(key, limit, true, function(id)
  return bytes_less(id, before_id) or tonumber(redis.call('ZSCORE', key, id)) < before_score
end, function(offset, count)
  return redis.call('ZREVRANGEBYSCORE', key, before_score, '-inf', 'LIMIT', offset, count)
end)
`;

/** ARGV: P, workflow id or '', limit. Oldest first. */
export const EXECUTION_IDS = `${PRELUDE}
local wf, limit = ARGV[2], tonumber(ARGV[3])
purge_expired(now_ms())
local key = P .. ':all'
if wf ~= '' then key = P .. ':idx:' .. wf end
local found = collect(key, limit, false, nil, nil, true)
local ids = {}
for i = 1, #found, 4 do ids[#ids + 1] = found[i] end
return ids
`;

/** ARGV: P, id. Returns 1 when it existed. */
export const DELETE = `${PRELUDE}
local id = ARGV[2]
purge_expired(now_ms())
local existed = redis.call('DEL', exec_key(id))
forget(id)
return existed
`;

/**
 * ARGV: P, id, worker, ttl ms, record ttl s. Returns {data, revision, parts} or nil when held by
 * another.
 */
export const CLAIM = `${PRELUDE}
local id, worker, lease_ms, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local now = now_ms()
purge_expired(now)
local key = exec_key(id)
if redis.call('EXISTS', key) == 0 then return nil end
local holder = redis.call('GET', lease_key(id))
if holder and holder ~= worker then return nil end
redis.call('SET', lease_key(id), worker, 'PX', lease_ms)
local fields = redis.call('HMGET', key, 'status', 'created_at')
if fields[1] == 'halted' then redis.call('ZADD', P .. ':halted-leases', tonumber(fields[2]), id) end
local revision = redis.call('HINCRBY', key, 'revision', 1)
refresh_ttl(id, ttl, now)
local stored = redis.call('HMGET', key, 'data', 'state')
return {stored[1], tostring(revision), parts_of(id, stored[2])}
`;

/** ARGV: P, id. Returns {data, revision, parts} or nil when there is none. */
export const LOAD = `${PRELUDE}
local stored = redis.call('HMGET', exec_key(ARGV[2]), 'data', 'revision', 'state')
if not stored[1] then return nil end
return {stored[1], stored[2] or false, parts_of(ARGV[2], stored[3])}
`;

/** ARGV: P, id, worker, ttl ms. */
export const EXTEND_CLAIM = `${PRELUDE}
if redis.call('GET', lease_key(ARGV[2])) ~= ARGV[3] then return 0 end
return redis.call('PEXPIRE', lease_key(ARGV[2]), tonumber(ARGV[4]))
`;

/** ARGV: P, id, worker. */
export const RELEASE_CLAIM = `${PRELUDE}
if redis.call('GET', lease_key(ARGV[2])) ~= ARGV[3] then return 0 end
redis.call('ZREM', P .. ':halted-leases', ARGV[2])
return redis.call('DEL', lease_key(ARGV[2]))
`;

/**
 * ARGV: P, limit. Pending or running executions without a live lease, oldest first (those in line
 * for a concurrency slot are out of P:active until a slot is theirs); then halted ones whose lease
 * expired unreleased, oldest first.
 */
export const FIND_CLAIMABLE = `${PRELUDE}
local limit = tonumber(ARGV[2])
purge_expired(now_ms())
local out = collect(P .. ':active', limit, false, function(id)
  return redis.call('EXISTS', lease_key(id)) == 0
end)
if #out / 4 >= limit then return out end
local halted = collect(P .. ':halted-leases', limit - #out / 4, false, function(id)
  return redis.call('EXISTS', lease_key(id)) == 0 and redis.call('HGET', exec_key(id), 'status') == 'halted'
end)
for _, value in ipairs(halted) do out[#out + 1] = value end
return out
`;

/**
 * ARGV: P, due-before ms, limit. Halted executions without a live lease whose timer is due by
 * then, earliest first: a range of P:timers, never a walk of every halted execution.
 */
export const FIND_DUE_TIMERS = `${PRELUDE}
local before, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
purge_expired(now_ms())
local key = P .. ':timers'
return collect(key, limit, false, function(id)
  return redis.call('EXISTS', lease_key(id)) == 0 and redis.call('HGET', exec_key(id), 'status') == 'halted'
end, function(offset, count)
  return redis.call('ZRANGEBYSCORE', key, '-inf', before, 'LIMIT', offset, count)
end)
`;

/**
 * ARGV: P, statuses... Returns {workflow id, status, count, ...} without zero counts. Every expired
 * execution is purged first (up to 10,000 per call), so the counts match what \`find\` would list.
 */
export const COUNT_EXECUTIONS = `${PRELUDE}
local now = now_ms()
for _ = 1, 10 do
  if redis.call('ZCOUNT', P .. ':expiry', '-inf', now) == 0 then break end
  purge_expired(now)
end
local workflows_key = P .. ':workflows'
local out = {}
for _, wf in ipairs(redis.call('SMEMBERS', workflows_key)) do
  if redis.call('EXISTS', P .. ':idx:' .. wf) == 0 then
    redis.call('SREM', workflows_key, wf)
  else
    for i = 2, #ARGV do
      local n = redis.call('ZCARD', P .. ':idx:' .. wf .. ':status:' .. ARGV[i])
      if n > 0 then
        out[#out + 1] = wf
        out[#out + 1] = ARGV[i]
        out[#out + 1] = n
      end
    end
  end
end
return out
`;

/**
 * ARGV: P, batch size. Adds the workflows of up to a batch of executions, oldest first from where
 * the last call stopped, to P:workflows; returns 1 once every execution was seen. Executions written
 * while it runs add their own, so it ends.
 */
export const LEARN_WORKFLOWS = `${PRELUDE}
local batch = tonumber(ARGV[2])
local progress_key = P .. ':workflows:learnt'
local reached = redis.call('GET', progress_key)
if reached == 'done' then return 1 end
local ids = redis.call('ZRANGEBYSCORE', P .. ':all', reached and ('(' .. reached) or '-inf', '+inf',
  'WITHSCORES', 'LIMIT', 0, batch)
if #ids == 0 then
  redis.call('SET', progress_key, 'done')
  return 1
end
-- The batch ends at a whole millisecond: the next starts after it.
local last = ids[#ids]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. ':all', last, last)) do
  ids[#ids + 1] = id
  ids[#ids + 1] = last
end
for i = 1, #ids, 2 do
  local wf = redis.call('HGET', exec_key(ids[i]), 'workflow_id')
  if wf then redis.call('SADD', P .. ':workflows', wf) end
end
redis.call('SET', progress_key, last)
return 0
`;

/**
 * ARGV: P, created-before ms, limit, statuses... Deletes up to limit executions in those statuses
 * created before the moment, oldest first, with their entries and index entries; returns how many.
 */
export const DELETE_FINISHED = `${PRELUDE}
local before, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
purge_expired(now_ms())
local candidates = {}
for i = 4, #ARGV do
  local found = redis.call('ZRANGEBYSCORE', P .. ':status:' .. ARGV[i], '-inf', '(' .. before,
    'WITHSCORES', 'LIMIT', 0, limit)
  for j = 1, #found, 2 do candidates[#candidates + 1] = { found[j], tonumber(found[j + 1]) } end
end
table.sort(candidates, function(a, b) return a[2] < b[2] end)
local deleted = 0
for k = 1, math.min(limit, #candidates) do
  local id = candidates[k][1]
  deleted = deleted + redis.call('DEL', exec_key(id))
  forget(id)
end
return deleted
`;

/**
 * ARGV: P, event id, name, name digest, payload JSON, sent ms. Keeps the event unless its id is
 * kept, undelivered; returns {1} when added, else {0, name, payload, sent ms} of the kept one.
 */
export const ACCEPT_EVENT = `${PRELUDE}
local key = P .. ':event:' .. ARGV[2]
local kept = redis.call('HMGET', key, 'name', 'payload', 'sent_at')
if kept[1] then return {0, kept[1], kept[2], kept[3]} end
redis.call('HSET', key, 'name', ARGV[3], 'digest', ARGV[4], 'payload', ARGV[5], 'sent_at', ARGV[6])
redis.call('ZADD', P .. ':events:' .. ARGV[4], tonumber(ARGV[6]), ARGV[2])
redis.call('ZADD', P .. ':events', tonumber(ARGV[6]), ARGV[2])
redis.call('ZADD', P .. ':events-undelivered', tonumber(ARGV[6]), ARGV[2])
return {1}
`;

/**
 * ARGV: P, sent-before ms, limit. Returns {id, name, payload, sent ms, ...} of the undelivered
 * events sent before, oldest first.
 */
export const UNDELIVERED_EVENTS = `${PRELUDE}
local ids = redis.call('ZRANGEBYSCORE', P .. ':events-undelivered', '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local kept = redis.call('HMGET', P .. ':event:' .. id, 'name', 'payload', 'sent_at')
  if kept[1] then
    out[#out + 1] = id
    out[#out + 1] = kept[1]
    out[#out + 1] = kept[2]
    out[#out + 1] = kept[3]
  else
    redis.call('ZREM', P .. ':events-undelivered', id)
  end
end
return out
`;

/** ARGV: P, wait keys... Returns the ids of the executions waiting under any of them. */
export const EVENT_WAITERS = `${PRELUDE}
local out = {}
for i = 2, #ARGV do
  for _, id in ipairs(redis.call('SMEMBERS', P .. ':event-waits:' .. ARGV[i])) do out[#out + 1] = id end
end
return out
`;

/** ARGV: P, name digest, since ms, limit. Returns {id, payload, sent ms, ...}, oldest first. */
export const RETAINED_EVENTS = `${PRELUDE}
local ids = redis.call('ZRANGEBYSCORE', P .. ':events:' .. ARGV[2], ARGV[3], '+inf', 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, id in ipairs(ids) do
  local kept = redis.call('HMGET', P .. ':event:' .. id, 'payload', 'sent_at')
  if kept[1] then
    out[#out + 1] = id
    out[#out + 1] = kept[1]
    out[#out + 1] = kept[2]
  end
end
return out
`;

/** ARGV: P, sent-before ms, limit. Removes up to limit events sent before, oldest first. */
export const PRUNE_EVENTS = `${PRELUDE}
local ids = redis.call('ZRANGEBYSCORE', P .. ':events', '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  local key = P .. ':event:' .. id
  local digest = redis.call('HGET', key, 'digest')
  if digest then redis.call('ZREM', P .. ':events:' .. digest, id) end
  redis.call('DEL', key)
  redis.call('ZREM', P .. ':events', id)
  redis.call('ZREM', P .. ':events-undelivered', id)
end
return #ids
`;
