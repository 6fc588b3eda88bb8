// Authenticated encryption (AES-256-GCM) for secrets we must keep at rest, such as token caches.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 256-bit key for one purpose, derived from the master secret (so one leak does not open all). */
export function deriveKey(masterSecretBase64: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(masterSecretBase64, "base64"), Buffer.alloc(0), `cmk-portal:${purpose}`, 32));
}

export function seal(key: Buffer, plaintext: string, associatedData: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(associatedData));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** Throws if the box was altered, or sealed with another key or for another owner. */
export function open(key: Buffer, box: Uint8Array, associatedData: string): string {
  const bytes = Buffer.from(box);
  if (bytes[0] !== VERSION) throw new Error("Unknown secret box version");
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(Buffer.from(associatedData));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
}
