// One round trip per delivery for the common case (a burst of repeats): the de-dup claims of
// every tagged push in it and the delivery's log entry, in one Lua script. Repeats are marked
// duplicate in the entry; the events that won their claim keep the job ids the caller made for
// them in advance, and the script returns their indexes so the caller queues exactly those.
// The keys share the {prefix} hash tag, so this runs on Redis Cluster too.
export const CLAIM_AND_LOG_SCRIPT = `
local d = cjson.decode(ARGV[1])
local idx = cjson.decode(ARGV[5])
local won = {}
local queued, dups = 0, 0
for i, k in ipairs(idx) do
  local e = d.events[k]
  if redis.call('SET', KEYS[i + 1], '1', 'EX', ARGV[2], 'NX') then
    won[#won + 1] = k
  else
    e.outcome = 'duplicate'
    e.jobId = nil
    e.reason = ARGV[4]
  end
end
for _, e in ipairs(d.events) do
  if e.outcome == 'queued' then queued = queued + 1 elseif e.outcome == 'duplicate' then dups = dups + 1 end
end
if queued + dups > 0 then
  d.status = 'accepted'
  d.reason = queued .. ' refresh job(s) queued, ' .. dups .. ' duplicate(s)'
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'd', cjson.encode(d))
return {id, cjson.encode(won)}
`;
