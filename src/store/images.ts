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

/** A Notary signature regops made (or found) for the tag, per role. */
export interface SignatureState {
  role: string;
  digest: string;
  size: number;
  signedAt: string;
  jobId: string;
}

/** The last check of the tag's signature against the registry. */
export interface VerificationState {
  match: boolean;
  registryDigest: string;
  signedDigest: string | null;
  checkedAt: string;
  jobId: string;
}

export interface ImageState {
  ref: string;
  digest: string | null;
  mediaType: string | null;
  checkedAt: string | null;
  history: DigestHistoryEntry[];
  hosts: Record<string, HostImageState>;
  signatures: SignatureState[];
  verification: VerificationState | null;
}

// Records a digest seen for a reference and returns the digest before it, in one round trip.
// A history entry is pushed only when the digest differs from the newest one, so refreshing an
// unchanged tag, or re-running the same job after a crash, adds nothing. For a job that already
// recorded the newest entry (a retry), the previous digest is the entry before its own.
// KEYS: image hash, history list. ARGV: digest, mediaType, at, entry JSON, limit, jobId.
const RECORD_DIGEST_SCRIPT = `
local items = redis.call('LRANGE', KEYS[2], 0, 1)
local head = items[1] and cjson.decode(items[1]) or nil
local previous = ''
if head then
  if head.jobId == ARGV[6] then
    if items[2] then previous = cjson.decode(items[2]).digest end
  else
    previous = head.digest
  end
end
redis.call('HSET', KEYS[1], 'digest', ARGV[1], 'mediaType', ARGV[2], 'checkedAt', ARGV[3])
if head and head.digest == ARGV[1] then return {previous, 0} end
redis.call('LPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
return {previous, 1}
`;

type RedisWithScripts = Redis & { regopsRecordDigest(...args: (string | number)[]): Promise<[string, number]> };

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

  /** Records the digest seen for `ref` by job `jobId`; returns the digest it had before (null: never seen). */
  async recordDigest(ref: string, digest: string, mediaType: string, jobId: string, at = new Date()): Promise<{ previous: string | null; added: boolean }> {
    const seenAt = at.toISOString();
    const entry: DigestHistoryEntry = { digest, seenAt, jobId };
    const [previous, added] = await this.redis.regopsRecordDigest(
      this.keys.image(ref),
      this.keys.imageHistory(ref),
      digest,
      mediaType,
      seenAt,
      JSON.stringify(entry),
      this.historyLimit,
      jobId,
    );
    return { previous: previous || null, added: added === 1 };
  }

  async recordHost(ref: string, hostId: string, state: HostImageState): Promise<void> {
    await this.redis.hset(this.keys.imageHosts(ref), hostId, JSON.stringify(state));
  }

  async recordSignature(ref: string, sig: SignatureState): Promise<void> {
    await this.redis.hset(this.keys.imageSignatures(ref), sig.role, JSON.stringify(sig));
  }

  async recordVerification(ref: string, v: VerificationState): Promise<void> {
    await this.redis.set(this.keys.imageVerification(ref), JSON.stringify(v));
  }

  async get(ref: string): Promise<ImageState | undefined> {
    const [meta, history, hosts, signatures, verification] = await Promise.all([
      this.redis.hgetall(this.keys.image(ref)),
      this.redis.lrange(this.keys.imageHistory(ref), 0, -1),
      this.redis.hgetall(this.keys.imageHosts(ref)),
      this.redis.hgetall(this.keys.imageSignatures(ref)),
      this.redis.get(this.keys.imageVerification(ref)),
    ]);
    if (!meta.digest) return undefined;
    return {
      ref,
      digest: meta.digest ?? null,
      mediaType: meta.mediaType ?? null,
      checkedAt: meta.checkedAt ?? null,
      history: history.map((h) => JSON.parse(h) as DigestHistoryEntry),
      hosts: Object.fromEntries(Object.entries(hosts).map(([k, v]) => [k, JSON.parse(v) as HostImageState])),
      signatures: Object.values(signatures)
        .map((v) => JSON.parse(v) as SignatureState)
        .sort((a, b) => a.role.localeCompare(b.role)),
      verification: verification ? (JSON.parse(verification) as VerificationState) : null,
    };
  }
}
