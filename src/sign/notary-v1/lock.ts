// The per-GUN lock is the shared Redis lock (src/locks/redis-lock.ts); kept under this name for
// the notary modules and tests that import it from here.
export { RedisLock, type LockOptions } from "../../locks/redis-lock.js";
