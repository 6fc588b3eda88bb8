// Each test worker uses the run's fresh database; the app code reads it through lib/env like in production.
import { inject } from "vitest";

process.env.DATABASE_URL = inject("databaseUrl");
