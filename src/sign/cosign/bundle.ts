// Making a Sigstore bundle v0.3 with a key pair: the statement goes into a DSSE envelope whose
// signature is ECDSA P-256 / SHA-256 (DER) over the DSSE pre-authentication encoding; the
// bundle names the key by its hint and carries no transparency-log entry or timestamp.
import { sign } from "node:crypto";
import { bundleToJSON, toDSSEBundle } from "@sigstore/bundle";
import type { SigningKey } from "./keys.js";
import { IN_TOTO_PAYLOAD_TYPE } from "./media-types.js";

/** DSSE v1 PAE: "DSSEv1" SP len(type) SP type SP len(body) SP body (lengths in bytes). */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** The bundle's JSON bytes, as cosign stores them in the registry. */
export function dsseBundle(statement: Buffer, key: SigningKey): Buffer {
  const signature = sign("sha256", preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement), key.privateKey);
  const bundle = toDSSEBundle({ artifact: statement, artifactType: IN_TOTO_PAYLOAD_TYPE, signature, keyHint: key.hint });
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)));
}
