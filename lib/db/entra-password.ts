// Microsoft Entra authentication to Azure Database for PostgreSQL: the password is an access token of the managed
// identity for the database audience, fetched per new connection and reused until shortly before it expires
// (learn.microsoft.com/azure/postgresql/flexible-server/how-to-connect-with-managed-identity).
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { ManagedIdentityCredential } from "@azure/identity";
import type { PoolConfig } from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import type { ServerEnv } from "../env";
import { AppError } from "../errors";

/** node-postgres pool settings whose password is a string or an async callback (as both pg and pg-boss accept). */
export type DbConnection = Omit<PoolConfig, "password"> & { password?: string | (() => Promise<string>) };

export const POSTGRES_ENTRA_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";
/** A connection opened moments before expiry must still authenticate; new connections get a fresh token before then. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** A node-postgres `password` callback that returns a current Entra token of `credential`. */
export function entraPassword(credential: TokenCredential, refreshMarginMs = REFRESH_MARGIN_MS): () => Promise<string> {
  let current: AccessToken | undefined;
  return async () => {
    if (!current || current.expiresOnTimestamp - refreshMarginMs <= Date.now()) {
      const token = await credential.getToken(POSTGRES_ENTRA_SCOPE);
      if (!token) {
        throw new AppError("CONFIG_INVALID", "The managed identity returned no token for the database.", {
          fix: "Check that the identity is attached to this host and was created as a database user (pgaadauth_create_principal).",
        });
      }
      current = token;
    }
    return current.token;
  };
}

/**
 * node-postgres settings for DATABASE_URL: the URL as is, or (DATABASE_AUTH=entra) its parts with an Entra token as
 * the password. The URL is parsed here because pg lets a connection string's empty password override a callback.
 */
export function poolConfig(
  env: Pick<ServerEnv, "DATABASE_URL" | "DATABASE_AUTH" | "DATABASE_ENTRA_CLIENT_ID" | "PROVIDER_UAMI_CLIENT_ID">,
  credential?: TokenCredential,
): DbConnection {
  if (env.DATABASE_AUTH !== "entra") return { connectionString: env.DATABASE_URL };
  const identity = credential ?? new ManagedIdentityCredential({ clientId: env.DATABASE_ENTRA_CLIENT_ID ?? env.PROVIDER_UAMI_CLIENT_ID });
  const { password: _inUrl, ...parts } = parseIntoClientConfig(env.DATABASE_URL);
  return { ...parts, password: entraPassword(identity) };
}

/**
 * A connection URL with a current Entra token as its password, for tools that take only a URL: the migrations
 * (`prisma migrate deploy` in lib/db/migrate.ts) when DATABASE_MIGRATION_AUTH=entra, so the schema owner can be a
 * managed identity with no password anywhere. A token lasts about an hour, far longer than a migration run. The URL
 * must name the Entra principal as its user and hold no password of its own.
 */
export async function urlWithEntraToken(url: string, credential: TokenCredential, variable = "DATABASE_MIGRATION_URL"): Promise<string> {
  const parsed = new URL(url);
  if (parsed.password) {
    throw new AppError("CONFIG_INVALID", `${variable} holds a password, but Microsoft Entra authentication signs in with a token.`, {
      fix: `Remove the password from ${variable}, or set DATABASE_MIGRATION_AUTH=password to use it.`,
    });
  }
  if (!parsed.username) {
    throw new AppError("CONFIG_INVALID", `${variable} names no database user, so Microsoft Entra authentication cannot say who signs in.`, {
      fix: "Put the schema owner's Entra principal name in the URL, e.g. postgresql://cmk-migrate-identity@server.postgres.database.azure.com/cmk?sslmode=require.",
    });
  }
  parsed.password = encodeURIComponent(await entraPassword(credential)());
  return parsed.toString();
}
