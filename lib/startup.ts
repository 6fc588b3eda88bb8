import { EnvError, serverEnv } from "./env";

/** Refuse to serve with a broken environment: one clear message naming each bad variable, no stack trace. */
export function validateEnvironmentOrExit(): void {
  try {
    serverEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`✖ ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
