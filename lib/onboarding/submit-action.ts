// The submit step's server action: separate so that only the review step pulls in the provisioning engine.
import { z } from "zod";
import { defineCustomerAction } from "../auth/actions";
import { submitOnboarding } from "./submit";

export const submitAction = defineCustomerAction("onboarding.submit", z.object({ rotationToLatest: z.boolean() }), (ctx, input) => submitOnboarding(ctx, input));
