// Where a webhook may go: https only, unless the environment is the demo or simulator (WEBHOOK_ALLOW_HTTP).
// No imports: lib/env.ts loads this file natively.

/** Why `url` may not receive webhooks, or undefined when it may. */
export function webhookUrlProblem(url: string, allowHttp: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not an absolute URL: use https://host/path`;
  }
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol === "http:") {
    return allowHttp ? undefined : `${parsed.origin} uses plain http: webhooks are only sent over https (use an https:// URL; http is allowed only in the demo or simulator with WEBHOOK_ALLOW_HTTP=true)`;
  }
  return `${parsed.protocol} is not a webhook scheme: use an https:// URL`;
}

/** Standard Webhooks secrets: `whsec_` and the base64 of 24 to 64 random bytes. */
export function webhookSecretProblem(secret: string): string | undefined {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!match?.[1]) return "must be whsec_ followed by base64 (e.g. node -e \"console.log('whsec_'+crypto.randomBytes(32).toString('base64'))\")";
  const bytes = Buffer.from(match[1], "base64").length;
  if (bytes < 24 || bytes > 64) return `must hold 24 to 64 random bytes after whsec_ (it holds ${bytes})`;
  return undefined;
}
