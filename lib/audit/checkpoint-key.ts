// The key that signs audit checkpoints (AUDIT_SIGNING_KEY): an Ed25519 private key that the database never
// holds, so whoever can rewrite the database still cannot sign a checkpoint for the rewritten chain.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export type AuditSigningKey = { privateKey: KeyObject; publicKey: KeyObject; keyId: string };

/** Accepts a PKCS#8 PEM or its base64 DER (one line, easier in an environment variable). */
export function parseAuditSigningKey(text: string): AuditSigningKey {
  const trimmed = text.trim();
  const privateKey = trimmed.startsWith("-----BEGIN")
    ? createPrivateKey({ key: trimmed.replaceAll("\\n", "\n"), format: "pem" })
    : createPrivateKey({ key: Buffer.from(trimmed, "base64"), format: "der", type: "pkcs8" });
  if (privateKey.asymmetricKeyType !== "ed25519") throw new Error(`an Ed25519 key is required, not ${privateKey.asymmetricKeyType ?? "a symmetric key"}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: auditKeyId(publicKey) };
}

/** Names the key in each checkpoint (so a rotated key is recognised), derived from the public half only. */
export function auditKeyId(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ format: "der", type: "spki" })).digest("hex").slice(0, 16);
}

/** A new key as base64 PKCS#8 DER, the form AUDIT_SIGNING_KEY takes (the demo keeps one under .data/). */
export function generateAuditSigningKeyText(): string {
  const { privateKey } = generateKeyPairSync("ed25519");
  return privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
}

/** The demo's key, kept beside its other generated secrets (like .data/session-secret). */
export function persistentAuditSigningKeyText(dataDir: string): string {
  const file = path.join(dataDir, "audit-signing-key");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, generateAuditSigningKeyText(), { mode: 0o600, flag: "wx" });
  }
  return readFileSync(file, "utf8").trim();
}

/** Where the demo keeps its checkpoint copies (outside the database, like AUDIT_CHECKPOINT_DIR). */
export const demoCheckpointDir = (dataDir: string) => path.join(dataDir, "audit-checkpoints");
