// What regops knows about an image reference: its current digest, the history of digests it
// has had, and which digest/image id each Docker host holds. Writes are idempotent per job,
// so a refresh retried after a crash leaves one history entry, not two.
import type { Redis } from "ioredis";
import { storeKeys, type StoreKeys } from "./keys.js";

export interface DigestHistoryEntry {
  digest: string;
  seenAt: string;
  jobId: string;
}

export interface HostImageState {
  digest: string;
  imageId: string;
  pulledAt: string;
}

export interface ImageState {
  ref: string;
  digest: string | null;
  mediaType: string | null;
  checkedAt: string | null;
  history: DigestHistoryEntry[];
  hosts: Record<string, HostImageState>;
}

// Push a history entry only when the digest differs from the newest one: re-running the same
// refresh (or refreshing an unchanged tag) adds nothing.
const RECORD_DIGEST_SCRIPT = `
redis.call('HSET', KEYS[1], 'digest', ARGV[1], 'mediaType', ARGV[2], 'checkedAt', ARGV[3])
local head = redis.call('LINDEX', KEYS[2], 0)
if head then
  local last = cjson.decode(head)
  if last.digest == ARGV[1] then return 0 end
end
redis.call('LPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
return 1
`;

type RedisWithScripts = Redis & { regopsRecordDigest(...args: (string | number)[]): Promise<number> };

export class ImageStore {
  private readonly keys: StoreKeys;
  private readonly redis: RedisWithScripts;

  constructor(redis: Redis, prefix: string, private readonly historyLimit = 100) {
    this.keys = storeKeys(prefix);
    this.redis = redis as RedisWithScripts;
    if (typeof this.redis.regopsRecordDigest !== "function") {
      redis.defineCommand("regopsRecordDigest", { numberOfKeys: 2, lua: RECORD_DIGEST_SCRIPT });
    }
  }

  async currentDigest(ref: string): Promise<string | null> {
    return this.redis.hget(this.keys.image(ref), "digest");
  }

  /**
   * The digest `ref` had before job `jobId` looked at it. If this job already recorded a new
   * digest (a retry after a crash), the entry before its own is the previous one.
   */
  async previousDigest(ref: string, jobId: string): Promise<string | null> {
    const [head, next] = (await this.redis.lrange(this.keys.imageHistory(ref), 0, 1)).map(
      (h) => JSON.parse(h) as DigestHistoryEntry,
    );
    if (head?.jobId === jobId) return next?.digest ?? null;
    return head?.digest ?? null;
  }

  /** Records the digest seen for `ref`; returns true if it was new (a history entry was added). */
  async recordDigest(ref: string, digest: string, mediaType: string, jobId: string, at = new Date()): Promise<boolean> {
    const entry: DigestHistoryEntry = { digest, seenAt: at.toISOString(), jobId };
    const added = await this.redis.regopsRecordDigest(
      this.keys.image(ref),
      this.keys.imageHistory(ref),
      digest,
      mediaType,
      at.toISOString(),
      JSON.stringify(entry),
      this.historyLimit,
    );
    return added === 1;
  }

  async recordHost(ref: string, hostId: string, state: HostImageState): Promise<void> {
    await this.redis.hset(this.keys.imageHosts(ref), hostId, JSON.stringify(state));
  }

  async get(ref: string): Promise<ImageState | undefined> {
    const [meta, history, hosts] = await Promise.all([
      this.redis.hgetall(this.keys.image(ref)),
      this.redis.lrange(this.keys.imageHistory(ref), 0, -1),
      this.redis.hgetall(this.keys.imageHosts(ref)),
    ]);
    if (!meta.digest) return undefined;
    return {
      ref,
      digest: meta.digest ?? null,
      mediaType: meta.mediaType ?? null,
      checkedAt: meta.checkedAt ?? null,
      history: history.map((h) => JSON.parse(h) as DigestHistoryEntry),
      hosts: Object.fromEntries(Object.entries(hosts).map(([k, v]) => [k, JSON.parse(v) as HostImageState])),
    };
  }
}
