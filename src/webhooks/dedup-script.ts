// One call per burst of deliveries (see group-commit.ts): for each delivery, claim the de-dup
// key of each of its claimable events (SET NX EX) and append the delivery to the log with a
// string of claim results ("1" won, "0" lost to an earlier claim), in arrival order. The
// entry is stored as encoded by the caller and the claim results beside it, so Redis never
// decodes JSON; readers apply the results (see settleClaims in deliveries.ts).
// KEYS: the log stream, then every delivery's claim keys in order.
// ARGV: ttl seconds, log max length, then per delivery its claim count and its JSON.
// The keys share the {prefix} hash tag, so this runs on Redis Cluster too.
export const CLAIM_AND_LOG_SCRIPT = `
local out = {}
local k = 2
for a = 3, #ARGV, 2 do
  local won = {}
  for j = 1, tonumber(ARGV[a]) do
    won[j] = redis.call('SET', KEYS[k], '1', 'EX', ARGV[1], 'NX') and '1' or '0'
    k = k + 1
  end
  local w = table.concat(won)
  out[#out + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'd', ARGV[a + 1], 'w', w)
  out[#out + 1] = w
end
return out
`;
