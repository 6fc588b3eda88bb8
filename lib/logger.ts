import pino from "pino";
import { logLevel } from "./env";
import { currentRequestId } from "./request-context";
import { activeSpanIds } from "./telemetry/spans";

// Tokens and secrets must never reach the logs, whatever object a caller hands over.
const REDACT = [
  "*.accessToken", "*.access_token", "*.idToken", "*.id_token", "*.refreshToken", "*.refresh_token",
  "*.token", "*.clientSecret", "*.client_secret", "*.authorization", "*.Authorization", "*.cookie",
  "headers.authorization", "headers.cookie",
];

/**
 * The portal's logger; `destination` is for tests. Inside a request scope every line carries `requestId`, and inside
 * a recorded span (lib/telemetry) `traceId` and `spanId`, so a log line leads to its trace and back.
 */
export function createLogger(destination?: pino.DestinationStream): pino.Logger {
  const options: pino.LoggerOptions = {
    level: logLevel(),
    redact: { paths: REDACT, censor: "[redacted]" },
    base: { service: "cmk-portal" },
    mixin() {
      const requestId = currentRequestId();
      const span = activeSpanIds();
      return { ...(requestId && { requestId }), ...span };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const logger = createLogger();
