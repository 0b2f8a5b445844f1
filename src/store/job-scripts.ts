// The Lua scripts behind JobStore. Each runs atomically in Redis, so a record, its state
// indexes and the published update never disagree, and each costs the worker or the API one
// round trip.

// Shared by the scripts below. KEYS[1] is the record, KEYS[2..6] the state indexes.
const LUA_HELPERS = `
local function record()
  local flat = redis.call('HGETALL', KEYS[1])
  local rec = {}
  for i = 1, #flat, 2 do rec[flat[i]] = flat[i + 1] end
  return rec
end
-- Writes fields ('' deletes one), moves the state index, sets the TTL, publishes the record.
local function move(id, cur, to, fields, ttl, channel)
  local args = {'state', to}
  for k, v in pairs(fields) do
    if v == '' then
      redis.call('HDEL', KEYS[1], k)
    else
      table.insert(args, k)
      table.insert(args, v)
    end
  end
  redis.call('HSET', KEYS[1], unpack(args))
  local index = {queued = KEYS[2], active = KEYS[3], completed = KEYS[4], failed = KEYS[5], cancelled = KEYS[6]}
  if cur ~= to then
    redis.call('ZREM', index[cur], id)
    redis.call('ZADD', index[to], 0, id)
  end
  if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
  local encoded = cjson.encode(record())
  redis.call('PUBLISH', channel, encoded)
  return encoded
end
`;

// ARGV: id, to, allowed-from (comma list), fields JSON, channel, ttl
export const TRANSITION_SCRIPT = `${LUA_HELPERS}
local cur = redis.call('HGET', KEYS[1], 'state')
if not cur then return false end
if not string.find(',' .. ARGV[3] .. ',', ',' .. cur .. ',', 1, true) then return cur end
move(ARGV[1], cur, ARGV[2], cjson.decode(ARGV[4]), tonumber(ARGV[6]), ARGV[5])
return 'OK'
`;

// A worker picking a job up, in one round trip: a final record stays final ('done'), a
// requested cancel wins ('cancelled'), otherwise the job becomes active ('active').
// KEYS[7] is the cancel flag. ARGV: id, attempts, now, channel, ttl, cancel error JSON.
export const START_SCRIPT = `${LUA_HELPERS}
local cur = redis.call('HGET', KEYS[1], 'state')
if not cur then return {'missing', ''} end
if cur == 'completed' or cur == 'failed' or cur == 'cancelled' then return {'done', cjson.encode(record())} end
if redis.call('EXISTS', KEYS[7]) == 1 then
  return {'cancelled', move(ARGV[1], cur, 'cancelled', {finishedAt = ARGV[3], error = ARGV[6]}, tonumber(ARGV[5]), ARGV[4])}
end
local fields = {attempts = ARGV[2]}
if not redis.call('HGET', KEYS[1], 'startedAt') then fields.startedAt = ARGV[3] end
move(ARGV[1], cur, 'active', fields, 0, ARGV[4])
-- the worker needs nothing back to run the job: don't send the record
return {'active', ''}
`;

// New records and their indexes, in one round trip (a MULTI costs a client-side pipeline per
// job), however many: a burst of webhook deliveries creates its jobs together.
// KEYS: the events channel, then per record its hash and its index sets. ARGV: per record the
// number of its index sets, its id and its fields as JSON.
export const CREATE_SCRIPT = `
local key = 2
for a = 1, #ARGV, 3 do
  local indexes, id, json = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2]
  local args = {}
  for k, v in pairs(cjson.decode(json)) do
    table.insert(args, k)
    table.insert(args, v)
  end
  redis.call('HSET', KEYS[key], unpack(args))
  for i = key + 1, key + indexes do redis.call('ZADD', KEYS[i], 0, id) end
  redis.call('PUBLISH', KEYS[1], json)
  key = key + indexes + 1
end
return 'OK'
`;

export const PROGRESS_SCRIPT = `${LUA_HELPERS}
local cur = redis.call('HGET', KEYS[1], 'state')
if cur ~= 'active' then return false end
redis.call('HSET', KEYS[1], 'progress', ARGV[1])
redis.call('PUBLISH', ARGV[2], cjson.encode(record()))
return 'OK'
`;
