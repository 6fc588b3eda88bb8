// Security headers of every page and API answer, set by proxy.ts. Pure functions, so tests can read the policy.

export type PageSecurityInput = {
  /** Fresh per request: Next.js reads it from the request's CSP header and puts it on its own scripts. */
  nonce: string;
  /** Origins the browser's MSAL talks to (the Entra authority host: metadata and token endpoints). */
  authorityOrigins: string[];
  /** HTTPS deployments get HSTS and upgrade-insecure-requests; local http must not (it would pin localhost to https). */
  https: boolean;
  /** `next dev` needs eval for React's debugging aids; production builds never get it. */
  development: boolean;
};

/**
 * A strict, nonce-based policy: scripts run only with this request's nonce (and what they load, 'strict-dynamic'),
 * never inline without it; the portal cannot be framed; forms post only to itself. Styles allow inline attributes
 * (React `style` props cannot carry a nonce), which cannot run code.
 */
export function contentSecurityPolicy(input: PageSecurityInput): string {
  const authorities = [...new Set(input.authorityOrigins)].join(" ");
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${input.nonce}' 'strict-dynamic'${input.development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${authorities}`.trim(),
    // MSAL's silent renewal uses a hidden iframe on the authority.
    `frame-src ${authorities || "'none'"}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(input.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/** Browser features the portal never uses: denied to it and to anything it might embed. */
export const PERMISSIONS_POLICY = ["accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment", "serial", "usb"]
  .map((feature) => `${feature}=()`)
  .join(", ");

/** Two years, subdomains included: the value hstspreload.org asks for. */
export const STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains";

/** The response headers for one request (CSP included); HSTS only over HTTPS. */
export function securityHeaders(input: PageSecurityInput): { "Content-Security-Policy": string; "Permissions-Policy": string; "Strict-Transport-Security"?: string } {
  return {
    "Content-Security-Policy": contentSecurityPolicy(input),
    "Permissions-Policy": PERMISSIONS_POLICY,
    ...(input.https ? { "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY } : {}),
  };
}

/** A per-request nonce: 128 random bits, base64 (what CSP expects). */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}

/** Is this request, or the portal's public URL, HTTPS? Behind a TLS-terminating proxy the protocol arrives in X-Forwarded-Proto. */
export function isHttpsRequest(url: URL, forwardedProto: string | null, appBaseUrl: string): boolean {
  return url.protocol === "https:" || forwardedProto?.split(",")[0]?.trim() === "https" || appBaseUrl.startsWith("https://");
}
