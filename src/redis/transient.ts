// Errors ioredis raises while a Redis node fails over (a Cluster master dies and its replica is
// promoted, Sentinel switches masters): the command did not run, or ran on a node that is no
// longer the master, and will work again once the topology settles. The API answers these 503
// with Retry-After, like a Redis that is down, rather than a 500 that reads as a bug.
const TRANSIENT = [
  /^Connection is closed/,
  /^Too many Cluster redirections/,
  /^None of startup nodes is available/,
  /^Failed to refresh slots cache/,
  /^CLUSTERDOWN/,
  /^TRYAGAIN/,
  /^LOADING/,
  /^READONLY/,
  /^MASTERDOWN/,
  /^Reached the max retries per request limit/,
];

export function isTransientRedisError(err: unknown): boolean {
  const message = (err as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && TRANSIENT.some((re) => re.test(message));
}
