// Signatures made but not yet findable, by signing lock name (format, repository, digest): kept
// from just before the push until the referrers index lists the signature, so that an attempt
// that lost the registry (or Redis, or its process) in between is finished by the next one with
// the same bytes rather than replaced by a second signature. Signatures are public: nothing here
// is secret. A day bounds a draft nobody came back for.
import type { Redis } from "ioredis";
import type { PreparedSignature } from "../sign/prepared.js";

export interface SignatureDrafts {
  get(name: string): Promise<PreparedSignature | undefined>;
  put(name: string, draft: PreparedSignature): Promise<void>;
  drop(name: string): Promise<void>;
}

interface Stored {
  blobs: string[];
  manifest: string;
  signer: string;
  signedAt: string;
}

export class RedisSignatureDrafts implements SignatureDrafts {
  constructor(
    private readonly redis: Redis,
    /** storeKeys(prefix).signatureDrafts */
    private readonly prefix: string,
    private readonly ttlSeconds = 86_400,
  ) {}

  async get(name: string): Promise<PreparedSignature | undefined> {
    const raw = await this.redis.get(this.prefix + name);
    if (!raw) return undefined;
    const s = JSON.parse(raw) as Stored;
    return { blobs: s.blobs.map((b) => Buffer.from(b, "base64")), manifest: Buffer.from(s.manifest, "base64"), signer: s.signer, signedAt: s.signedAt };
  }

  async put(name: string, draft: PreparedSignature): Promise<void> {
    const stored: Stored = { blobs: draft.blobs.map((b) => b.toString("base64")), manifest: draft.manifest.toString("base64"), signer: draft.signer, signedAt: draft.signedAt };
    await this.redis.set(this.prefix + name, JSON.stringify(stored), "EX", this.ttlSeconds);
  }

  async drop(name: string): Promise<void> {
    await this.redis.del(this.prefix + name);
  }
}
