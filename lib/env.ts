// The one typed, validated view of the environment. Nothing else in the project reads process.env.
import { z } from "zod";
import { parseAuditSigningKey } from "./audit/checkpoint-key.ts"; // with extension: vitest.config.ts may load this file natively
import { webhookSecretProblem, webhookUrlProblem } from "./webhooks/url.ts"; // with extension: vitest.config.ts loads this file natively
import { DEFAULT_KEY_VAULT_DNS_SUFFIXES, parseKeyVaultHosts } from "./azure/key-url.ts"; // with extension: vitest.config.ts loads this file natively

const uuid = (what: string) => z.string({ message: `missing: a GUID — ${what}` }).uuid({ message: `must be a GUID (${what})` });
/** A comma-separated list of Azure region names, lower-cased; `missingMessage` says what the list is for. */
const azureRegionList = (missingMessage: string) =>
  z
    .string({ message: missingMessage })
    .transform((value) => value.split(",").map((r) => r.trim().toLowerCase()).filter(Boolean))
    .refine((regions) => regions.length > 0 && regions.every((r) => /^[a-z0-9]+$/.test(r)), { message: "must list Azure region names such as westeurope,northeurope" });
const httpsUrl = (what: string) =>
  z
    .string()
    .url({ message: `must be an absolute URL (${what})` })
    .refine((value) => value.startsWith("https://"), { message: `must use https:// (${what})` })
    .transform((value) => value.replace(/\/+$/, ""));
const postgresUrl = z
  .string({ message: "missing: a PostgreSQL URL such as postgresql://postgres@127.0.0.1:5432/cmk, or unset it and use `npm run demo` for the embedded database" })
  .refine((value) => /^postgres(ql)?:\/\/[^/]+/.test(value) && URL.canParse(value), {
    message: "must be a PostgreSQL URL such as postgresql://user:password@host:5432/database",
  });
const auditSigningKey = z.string().transform((value, ctx) => {
  try {
    return parseAuditSigningKey(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `must be an Ed25519 private key, PKCS#8 PEM or its base64 DER (openssl genpkey -algorithm ed25519 -outform DER | base64 -w0): ${(error as Error).message}` });
    return z.NEVER;
  }
});
/** 203.0.113.10 or 198.51.100.0/28: the forms Key Vault's IP network rules accept. */
export function isIpv4OrCidr(value: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(value);
  if (!match) return false;
  const octets = match.slice(1, 5).map(Number);
  const prefix = match[5] === undefined ? 32 : Number(match[5]);
  return octets.every((octet) => octet <= 255) && prefix >= 0 && prefix <= 32;
}
const positiveInt = (what: string, fallback: number) =>
  z.coerce.number({ message: `must be a whole number (${what})` }).int().positive().default(fallback);

const serverFields = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: postgresUrl,
  // entra: Azure Database for PostgreSQL with Microsoft Entra authentication; the password is a managed-identity token.
  DATABASE_AUTH: z.enum(["password", "entra"], { message: "must be password (credentials in DATABASE_URL) or entra (a managed-identity token as the password)" }).default("password"),
  /** The managed identity that signs in to PostgreSQL when DATABASE_AUTH=entra; unset = PROVIDER_UAMI_CLIENT_ID. */
  DATABASE_ENTRA_CLIENT_ID: uuid("client id of the managed identity that signs in to PostgreSQL").optional(),
  APP_BASE_URL: z.string().url({ message: "must be the portal's public URL, e.g. http://localhost:3000" }).default("http://localhost:3000").transform((v) => v.replace(/\/+$/, "")),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  AZURE_AUTHORITY_HOST: httpsUrl("Entra ID authority host, e.g. https://login.microsoftonline.com").default("https://login.microsoftonline.com"),
  /** Issuer host of v1 access tokens (`{host}/{tid}/`); unset = derived from AZURE_AUTHORITY_HOST (see lib/azure/endpoints.ts). */
  AZURE_V1_ISSUER_HOST: httpsUrl("issuer host of Entra v1 access tokens, e.g. https://sts.windows.net").optional(),
  AZURE_ARM_ENDPOINT: httpsUrl("Azure Resource Manager, e.g. https://management.azure.com").default("https://management.azure.com"),
  AZURE_GRAPH_ENDPOINT: httpsUrl("Microsoft Graph, e.g. https://graph.microsoft.com").default("https://graph.microsoft.com"),

  PROVIDER_TENANT_ID: uuid("the provider's Entra tenant id"),
  PROVIDER_DISPLAY_NAME: z.string().min(1).default("Your service provider"),
  CMK_APP_DISPLAY_NAME: z.string().min(1).default("CMK access"),
  PORTAL_CLIENT_ID: uuid("client id of the portal's multitenant app registration"),
  // Demo only: when set, on-behalf-of uses it; unset (production), the portal app is trusted through a federated
  // credential for the provider's managed identity and no Entra secret exists.
  PORTAL_CLIENT_SECRET: z.string().min(1, "must not be empty").optional(),
  CMK_APP_CLIENT_ID: uuid("client id of the multitenant CMK app that holds the federated credential"),
  PROVIDER_SUBSCRIPTION_ID: uuid("subscription where disk encryption sets are created"),
  PROVIDER_RESOURCE_GROUP: z.string({ message: "missing: resource group for disk encryption sets" }).regex(/^[-\w._()]{1,90}$/, "must be a resource group name"),
  PROVIDER_UAMI_RESOURCE_ID: z
    .string({ message: "missing: ARM id of the provider's user-assigned managed identity" })
    .regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i, "must be /subscriptions/…/resourceGroups/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME"),
  PROVIDER_UAMI_CLIENT_ID: uuid("client id of the user-assigned managed identity"),
  PROVIDER_DES_REGIONS: azureRegionList("missing: comma-separated Azure regions where disk encryption sets may be created, e.g. westeurope,northeurope"),
  KEY_VAULT_DNS_SUFFIXES: z
    .string()
    .default(DEFAULT_KEY_VAULT_DNS_SUFFIXES)
    .transform((value, ctx) => {
      const parsed = parseKeyVaultHosts(value);
      if (parsed.ok) return parsed.hosts;
      ctx.addIssue({ code: "custom", message: `must list the Key Vault DNS suffixes of your cloud, e.g. vault.azure.net,managedhsm.azure.net (vault.azure.cn in Azure China, vault.usgovcloudapi.net in Azure Government): ${parsed.reason}` });
      return z.NEVER;
    }),
  // Read by @azure/identity's ManagedIdentityCredential (App Service style); declared so they are validated.
  IDENTITY_ENDPOINT: z.string().url({ message: "must be the managed identity endpoint URL" }).optional(),
  IDENTITY_HEADER: z.string().optional(),

  SESSION_SECRET: z
    .string({ message: "missing: 32+ random bytes, base64 (openssl rand -base64 32); encrypts server-side token caches" })
    .refine((value) => Buffer.from(value, "base64").length >= 32, { message: "must be at least 32 bytes, base64-encoded (openssl rand -base64 32)" }),
  SESSION_IDLE_MINUTES: positiveInt("minutes of inactivity before a session expires", 30),
  SESSION_ABSOLUTE_HOURS: positiveInt("hours after sign-in before a session expires regardless", 12),
  STAFF_SESSION_REVALIDATE_MINUTES: positiveInt("minutes a staff session trusts the roles of its token before a new (silent) sign-in re-reads them", 10),
  // Step-up for destructive support actions (lib/auth/step-up.ts): a sign-in at most this old, and optionally a
  // Conditional Access authentication context (e.g. c1) that the token's acrs claim must carry.
  STEP_UP_MAX_AGE_SECONDS: positiveInt("seconds since the last interactive sign-in (auth_time) a destructive support action accepts", 600),
  STEP_UP_ACRS: z
    .string()
    .regex(/^c([1-9]|[1-9][0-9])$/, { message: "must be a Conditional Access authentication context id, c1 to c99 (Entra → Conditional Access → Authentication contexts)" })
    .optional(),

  // Rate limits per fixed window, counted in PostgreSQL (lib/security/rate-limit.ts): per session and per client IP.
  RATE_LIMIT_WINDOW_SECONDS: positiveInt("length of one rate-limit window in seconds", 60),
  RATE_LIMIT_SIGNIN: positiveInt("sign-in requests (nonce and token hand-over) per window, per IP and per session", 120),
  RATE_LIMIT_CONSENT: positiveInt("admin-consent starts, checks and callbacks per window, per IP and per session", 30),
  RATE_LIMIT_REQUESTS: positiveInt("server actions and API calls per window per session", 300),
  RATE_LIMIT_REQUESTS_PER_IP: positiveInt("server actions and API calls per window per client IP (all sessions behind it)", 1200),
  RATE_LIMIT_API_PER_TENANT: positiveInt("/api/v1 calls per window per Entra tenant (all its callers together)", 600),
  API_IDEMPOTENCY_TTL_HOURS: positiveInt("hours an /api/v1 Idempotency-Key and its stored response are kept", 24),

  WORKER_CONCURRENCY: positiveInt("parallel jobs of each kind per worker", 16),
  // The ARM write budget all workers share (lib/provisioning/write-gate.ts): ARM's token bucket for subscription
  // writes, bucket 200 and refill 10/s (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
  ARM_WRITE_BUCKET_SIZE: positiveInt("writes ARM allows in a burst per subscription, principal and region", 200),
  ARM_WRITE_REFILL_PER_SECOND: z.coerce.number({ message: "must be a number (ARM write tokens refilled per second)" }).positive("must be above 0 (ARM write tokens refilled per second)").default(10),
  /** ARM throttles per region of the ARM instance that serves the caller: the region the workers run in. */
  ARM_THROTTLE_REGION: z.string().min(1, "must name the Azure region the workers run in, e.g. westeurope").default("default"),
  JOB_LEASE_SECONDS: z.coerce.number({ message: "must be a whole number (seconds a worker holds a job before another may take it over)" }).int().min(5, "must be at least 5 seconds").default(60),
  HEALTH_CHECK_INTERVAL_MINUTES: positiveInt("minutes between health checks of each tenant", 15),
  // Tests and demos only: shorter periods for the fleet's scheduled tasks (lib/jobs/fleet-tasks.ts), e.g.
  // `job-sweep=2,session-purge=2`. Unset in production: each task keeps its own period.
  SCHEDULED_TASK_PERIOD_SECONDS: z
    .string()
    .optional()
    .refine((value) => (value ?? "").split(",").map((entry) => entry.trim()).filter(Boolean).every((entry) => /^[a-z][a-z0-9-]*=\d+$/.test(entry) && Number(entry.split("=")[1]) >= 1), {
      message: "must be comma-separated task=seconds pairs, each at least 1 second, e.g. job-sweep=2,session-purge=2 (tests and demos only; leave unset in production)",
    })
    .transform((value) => Object.fromEntries((value ?? "").split(",").map((entry) => entry.trim()).filter(Boolean).map((entry) => [entry.split("=")[0] ?? "", Number(entry.split("=")[1]) * 1000]))),
  // The provider's published outbound addresses, offered to customers whose vault firewall blocks the provider's probe.
  PROVIDER_EGRESS_IPS: z
    .string()
    .optional()
    .transform((value) => (value ?? "").split(",").map((entry) => entry.trim()).filter(Boolean))
    .refine((entries) => entries.every(isIpv4OrCidr), { message: "must be comma-separated IPv4 addresses or CIDR ranges, e.g. 203.0.113.10,198.51.100.0/28 (the addresses the provider's web and worker use to reach customers' Key Vaults)" }),
  // Offboarding: what happens to the provider's disks that still use a departing customer's disk encryption set.
  OFFBOARDING_DISK_POLICY: z.enum(["platform-key", "delete"], { message: "must be platform-key (move each disk back to platform-managed keys) or delete (delete the disks)" }).default("platform-key"),
  // Webhooks (lib/webhooks): every one queued, signed per Standard Webhooks with this secret, https only.
  NOTIFY_WEBHOOK_URL: z.string().url({ message: "must be an absolute https:// URL that receives health and support notifications" }).optional(),
  WEBHOOK_SIGNING_SECRET: z.string().refine((value) => webhookSecretProblem(value) === undefined, { message: "must be a Standard Webhooks secret: whsec_ and the base64 of 24 to 64 random bytes" }).optional(),
  /** Demo and simulator only: lets webhooks go to http:// receivers. */
  WEBHOOK_ALLOW_HTTP: z.enum(["true", "false"], { message: "must be true or false (true only in the demo or simulator)" }).default("false").transform((value) => value === "true"),
  /** true serves /bench/tenants (the dashboard benchmark's bare reference page, operators only); false: it answers 404. */
  BENCH_BARE_PAGE: z.enum(["true", "false"], { message: "must be true or false (true only while running the dashboard benchmark)" }).default("false").transform((value) => value === "true"),

  // Telemetry (lib/telemetry): traces and metrics go over OTLP and/or to Azure Monitor when these are set; none set,
  // no exporter runs. LOG_LEVEL=debug also logs each finished span as a debug line (the demo).
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .url({ message: "must be the base URL of an OTLP/HTTP receiver, e.g. http://otel-collector:4318 (traces go to /v1/traces, metrics to /v1/metrics)" })
    .transform((value) => value.replace(/\/+$/, ""))
    .optional(),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z
    .string()
    .regex(/(^|;)\s*InstrumentationKey=[0-9a-f-]{36}\s*(;|$)/i, { message: "must be an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=https://…), from the resource's Overview page" })
    .optional(),
  /** How the Azure Monitor exporter authenticates: the provider's managed identity (Entra, no secret) or the key in the connection string. */
  APPLICATIONINSIGHTS_AUTH: z
    .enum(["entra", "instrumentation-key"], { message: "must be entra (the provider's managed identity, with Monitoring Metrics Publisher on the Application Insights resource) or instrumentation-key" })
    .default("entra"),
  OTEL_METRIC_EXPORT_INTERVAL: positiveInt("milliseconds between metric exports", 60_000),

  // Signed audit checkpoints: the key stays out of the database; the directory should be append-only storage.
  AUDIT_SIGNING_KEY: auditSigningKey.optional(),
  AUDIT_CHECKPOINT_DIR: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_INTERVAL_MINUTES: positiveInt("minutes between signed audit checkpoints", 60),
});

const serverSchema = serverFields.superRefine((env, ctx) => {
  if (env.NOTIFY_WEBHOOK_URL) {
    const problem = webhookUrlProblem(env.NOTIFY_WEBHOOK_URL, env.WEBHOOK_ALLOW_HTTP);
    if (problem) ctx.addIssue({ code: "custom", path: ["NOTIFY_WEBHOOK_URL"], message: problem });
    if (!env.WEBHOOK_SIGNING_SECRET) ctx.addIssue({ code: "custom", path: ["WEBHOOK_SIGNING_SECRET"], message: "missing: webhooks are never sent unsigned; set a whsec_ secret (the receiver verifies with the same one) or unset NOTIFY_WEBHOOK_URL" });
  }
  if (env.DATABASE_AUTH !== "entra") return;
  const url = new URL(env.DATABASE_URL);
  if (url.password) {
    ctx.addIssue({ code: "custom", path: ["DATABASE_URL"], message: "must hold no password when DATABASE_AUTH=entra (the password is a Microsoft Entra token): remove it from the URL" });
  }
  if (!url.username) {
    ctx.addIssue({ code: "custom", path: ["DATABASE_URL"], message: "must name the database user when DATABASE_AUTH=entra: the managed identity's name as created with pgaadauth_create_principal, e.g. postgresql://cmk-des-identity@server.postgres.database.azure.com/cmk?sslmode=require" });
  }
});

export type ServerEnv = z.infer<typeof serverSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment — fix these variables (see .env.example):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

type Source = Record<string, string | undefined>;

/** Empty strings count as unset, as they do in most .env tooling. */
function withoutEmpty(source: Source): Source {
  return Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ""));
}

export function parseServerEnv(source: Source): ServerEnv {
  const result = serverSchema.safeParse(withoutEmpty(source));
  if (result.success) return result.data;
  throw new EnvError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
}

let cached: ServerEnv | undefined;

/** The validated server environment; throws EnvError naming every bad variable. */
export function serverEnv(): ServerEnv {
  cached ??= parseServerEnv(process.env);
  return cached;
}

/** Tests change the environment between cases (e.g. to point at a simulator); this forgets the cached parse. */
export function resetServerEnvForTests(): void {
  cached = undefined;
}

/** Settings of the project's own scripts (launchers, test set-up), separate from the app's. */
const toolingSchema = z.object({
  CI: z.string().optional().transform((value) => value !== undefined && value !== "false" && value !== "0"),
  DATABASE_URL: postgresUrl.optional(),
  // Migrations run as the schema owner; the app's DATABASE_URL is a role that may not change the schema.
  DATABASE_MIGRATION_URL: postgresUrl.optional(),
  /** How migrations sign in: the URL's password, or (entra) a managed identity's token, so the owner needs no secret. */
  DATABASE_MIGRATION_AUTH: z.enum(["password", "entra"], { message: "must be password (credentials in the URL) or entra (a managed-identity token as the password)" }).default("password"),
  /** The managed identity that owns the schema when DATABASE_MIGRATION_AUTH=entra; unset = the host's only identity. */
  DATABASE_MIGRATION_ENTRA_CLIENT_ID: uuid("client id of the managed identity that owns the schema").optional(),
  AUDIT_SIGNING_KEY: auditSigningKey.optional(),
  AUDIT_CHECKPOINT_DIR: z.string().min(1).optional(),
  TEST_DATABASE_ADMIN_URL: postgresUrl.default("postgresql://postgres@127.0.0.1:5432/postgres"),
  EMBEDDED_DATABASE_PORT: z.coerce.number({ message: "must be a free TCP port for the embedded PostgreSQL, e.g. 54329" }).int().min(1).max(65535).default(54329),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  SIM_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  PROVIDER_TENANT_ID: z.string().optional(),
  SESSION_SECRET: z.string().optional(),
  /** Kept when set: the demo generates a webhook signing secret only when none is given. */
  WEBHOOK_SIGNING_SECRET: z.string().optional(),
  CHROMIUM_PATH: z.string().default("/usr/bin/chromium"),
  // Let two test runs on one machine (e.g. two developers' checkouts) use their own ports and build dir.
  E2E_APP_PORT: z.coerce.number().int().min(1).max(65535).default(3100),
  E2E_SIM_PORT: z.coerce.number().int().min(1).max(65535).default(8543),
  NEXT_DIST_DIR: z.string().regex(/^\.next[\w-]*$/, "must be .next or .next-SOMETHING").default(".next"),
});

export type ToolingEnv = z.infer<typeof toolingSchema>;

export function toolingEnv(): ToolingEnv {
  const result = toolingSchema.safeParse(withoutEmpty(process.env));
  if (result.success) return result.data;
  throw new EnvError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
}

/**
 * Settings of `npm run provider` (the provider's Azure set-up as code). Separate from the app's: the app's
 * ids do not exist until `apply` has created them. Secrets here only for the non-interactive credential.
 */
const providerSetupSchema = z
  .object({
    APP_BASE_URL: z.string().url({ message: "must be the portal's public URL, e.g. https://cmk.example.com (redirect URIs are derived from it)" }).default("http://localhost:3000").transform((v) => v.replace(/\/+$/, "")),
    AZURE_AUTHORITY_HOST: httpsUrl("Entra ID authority host, e.g. https://login.microsoftonline.com").default("https://login.microsoftonline.com"),
    AZURE_ARM_ENDPOINT: httpsUrl("Azure Resource Manager, e.g. https://management.azure.com").default("https://management.azure.com"),
    AZURE_GRAPH_ENDPOINT: httpsUrl("Microsoft Graph, e.g. https://graph.microsoft.com").default("https://graph.microsoft.com"),
    PROVIDER_TENANT_ID: uuid("the provider's Entra tenant id, where the apps and the identity are created"),
    PROVIDER_DISPLAY_NAME: z.string().min(1).default("Your service provider"),
    PROVIDER_SUBSCRIPTION_ID: uuid("subscription for the identity and the disk encryption sets"),
    PROVIDER_RESOURCE_GROUP: z.string().regex(/^[-\w._()]{1,90}$/, "must be a resource group name").default("cmk-provider-rg"),
    PROVIDER_DES_REGIONS: azureRegionList("missing: comma-separated Azure regions where disk encryption sets may be created, e.g. westeurope,northeurope (the first also hosts the identity)"),
    PROVIDER_VM_RESOURCE_GROUPS: z
      .string()
      .optional()
      .transform((value) => (value ?? "").split(",").map((r) => r.trim()).filter(Boolean))
      .refine((groups) => groups.every((g) => /^[-\w._()]{1,90}$/.test(g)), { message: "must be comma-separated resource group names (where the VMs using the encrypted disks live)" }),
    PROVIDER_UAMI_NAME: z.string().regex(/^[a-zA-Z0-9][-\w]{2,127}$/, "must be a managed identity name (3-128 letters, digits, - or _)").default("cmk-des-identity"),
    PORTAL_APP_DISPLAY_NAME: z.string().min(1).default("CMK Portal"),
    CMK_APP_DISPLAY_NAME: z.string().min(1).default("CMK access"),
    // Adopt existing registrations instead of finding them by display name.
    PORTAL_CLIENT_ID: uuid("client id of an existing portal app registration to adopt").optional(),
    CMK_APP_CLIENT_ID: uuid("client id of an existing CMK app registration to adopt").optional(),
    PROVIDER_SETUP_CREDENTIAL: z
      .enum(["azure-cli", "device-code", "client-secret"], { message: "must be azure-cli (default; falls back to device code when az is not signed in), device-code or client-secret" })
      .default("azure-cli"),
    PROVIDER_SETUP_CLIENT_ID: uuid("client id of the automation app that runs the set-up (client-secret credential)").optional(),
    PROVIDER_SETUP_CLIENT_SECRET: z.string().min(1).optional(),
  })
  .refine((env) => env.PROVIDER_SETUP_CREDENTIAL !== "client-secret" || (env.PROVIDER_SETUP_CLIENT_ID && env.PROVIDER_SETUP_CLIENT_SECRET), {
    message: "PROVIDER_SETUP_CREDENTIAL=client-secret needs PROVIDER_SETUP_CLIENT_ID and PROVIDER_SETUP_CLIENT_SECRET (an automation app with Application.ReadWrite.OwnedBy and Owner on the subscription)",
    path: ["PROVIDER_SETUP_CREDENTIAL"],
  });

export type ProviderSetupEnv = z.infer<typeof providerSetupSchema>;

export function parseProviderSetupEnv(source: Source): ProviderSetupEnv {
  const result = providerSetupSchema.safeParse(withoutEmpty(source));
  if (result.success) return result.data;
  throw new EnvError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
}

/** The validated environment of `npm run provider`; throws EnvError naming every bad variable. */
export function providerSetupEnv(): ProviderSetupEnv {
  return parseProviderSetupEnv(process.env);
}

/** The environment for a child process: this process's environment plus overrides. */
export function childEnv(overrides: Source): NodeJS.ProcessEnv {
  return { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...overrides };
}

/** The log level alone: the logger must work before (and when) the full environment fails to validate. */
export function logLevel(): ServerEnv["LOG_LEVEL"] {
  const parsed = serverFields.shape.LOG_LEVEL.safeParse(process.env.LOG_LEVEL || undefined);
  return parsed.success ? parsed.data : "info";
}
