// How e2e specs reach the database of the app under test, to seed their own data: the launcher (e2e mode
// only) writes that run's fresh, local, disposable database URL to a file named after the app's port,
// readable only by this user, and removes it when the run ends. Nothing is exposed over HTTP.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const DIR = path.resolve(import.meta.dirname, "..", "..", ".data", "e2e");

function fileFor(appPort: number): string {
  return path.join(DIR, `database-${appPort}.json`);
}

/** Called by scripts/launch.ts in e2e mode; returns the clean-up. */
export function publishE2eDatabase(appPort: number, databaseUrl: string): () => Promise<void> {
  mkdirSync(DIR, { recursive: true, mode: 0o700 });
  writeFileSync(fileFor(appPort), JSON.stringify({ databaseUrl }), { mode: 0o600 });
  return async () => rmSync(fileFor(appPort), { force: true });
}

/** For specs: the database URL of the app listening on `appPort` (started by the Playwright web server). */
export function e2eDatabaseUrl(appPort: number): string {
  try {
    return (JSON.parse(readFileSync(fileFor(appPort), "utf8")) as { databaseUrl: string }).databaseUrl;
  } catch {
    throw new Error(`No e2e database published for the app on port ${appPort}: run the specs through Playwright's web server (scripts/launch.ts e2e).`);
  }
}
