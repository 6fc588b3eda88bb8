import pino from "pino";
import { logLevel } from "./env";

// Tokens and secrets must never reach the logs, whatever object a caller hands over.
const REDACT = [
  "*.accessToken", "*.access_token", "*.idToken", "*.id_token", "*.refreshToken", "*.refresh_token",
  "*.token", "*.clientSecret", "*.client_secret", "*.authorization", "*.Authorization", "*.cookie",
  "headers.authorization", "headers.cookie",
];

export const logger = pino({
  level: logLevel(),
  redact: { paths: REDACT, censor: "[redacted]" },
  base: { service: "cmk-portal" },
});
