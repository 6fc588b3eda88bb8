// Server actions of the onboarding wizard (definitions; "use server" files beside the pages forward here).
import { z } from "zod";
import { defineCustomerAction } from "../auth/actions";
import { CUSTOMER_ROLES } from "../auth/roles";
import { rotationChoiceProblems } from "../azure/key-rotation-policy";
import { removePortalGrant } from "./grants";
import { selectHsm } from "./managed-hsm";
import { confirmAccessDoneElsewhere, createKeyForOnboarding, createVaultForOnboarding, grantAccess, grantMyselfKeyAccess, KEY_NAME, selectKey, selectVault, skipProbeBlockedByFirewall, startKeyVerification, VAULT_NAME } from "./service";
import { verificationView } from "./verification";

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "Pick a subscription from the list.");

export const selectVaultAction = defineCustomerAction(
  "onboarding.select_vault",
  z.object({ vaultResourceId: z.string().min(1, "Pick a vault.").max(400) }),
  (ctx, input) => selectVault(ctx, input),
);

export const selectHsmAction = defineCustomerAction(
  "onboarding.select_hsm",
  z.object({ hsmResourceId: z.string().min(1, "Pick a Managed HSM pool.").max(400) }),
  (ctx, input) => selectHsm(ctx, input),
);

export const createVaultAction = defineCustomerAction(
  "onboarding.create_vault",
  z.object({
    subscriptionId: guid,
    resourceGroup: z.string().regex(/^[-\w._()]{1,90}$/, "Enter an existing resource group name (letters, digits, - _ . ( ))."),
    name: z.string().regex(VAULT_NAME, "Vault names are 3–24 characters: letters, digits and hyphens, starting with a letter and not ending with a hyphen."),
    region: z.string().min(1, "Choose a region."),
  }),
  (ctx, input) => createVaultForOnboarding(ctx, input),
);

export const selectKeyAction = defineCustomerAction(
  "onboarding.select_key",
  z.object({ keyName: z.string().regex(KEY_NAME, "Pick a key from the list.") }),
  (ctx, input) => selectKey(ctx, input),
);

export const createKeyAction = defineCustomerAction(
  "onboarding.create_key",
  z.object({
    name: z.string().regex(KEY_NAME, "Key names are 1–127 characters: letters, digits and hyphens."),
    keyType: z.enum(["RSA", "RSA-HSM"], { message: "Choose RSA or RSA-HSM." }),
    keySize: z.union([z.literal(2048), z.literal(3072), z.literal(4096)], { message: "Choose 2048, 3072 or 4096 bits." }),
    rotation: z
      .object({
        rotateEveryDays: z.number(),
        expiryDays: z.number(),
        notifyDaysBeforeExpiry: z.number(),
      })
      .superRefine((r, issues) => {
        for (const problem of rotationChoiceProblems(r)) issues.addIssue({ code: "custom", message: problem.message, path: [problem.field] });
      })
      .optional(),
  }),
  (ctx, input) => createKeyForOnboarding(ctx, input),
);

export const grantSelfKeyAccessAction = defineCustomerAction("onboarding.grant_self_key_officer", z.object({}), (ctx) => grantMyselfKeyAccess(ctx));

export const grantAccessAction = defineCustomerAction("onboarding.grant_access", z.object({}), (ctx) => grantAccess(ctx));

export const confirmAccessAction = defineCustomerAction("onboarding.confirm_access", z.object({}), (ctx) => confirmAccessDoneElsewhere(ctx));

/** Starts the key verification job (or shows the one in force); `restart`: "Verify again". */
export const verifyAction = defineCustomerAction("onboarding.verify", z.object({ restart: z.boolean().optional() }), (ctx, input) => startKeyVerification(ctx, input));

/** Read only: where the verification job of the session's own tenant stands (the verify page polls it). */
export const verificationProgressAction = defineCustomerAction("onboarding.verification_progress", z.object({}), (ctx) => verificationView(ctx.db, ctx.user.tenantId), { roles: CUSTOMER_ROLES });

export const skipProbeAction = defineCustomerAction("onboarding.skip_probe", z.object({}), (ctx) => skipProbeBlockedByFirewall(ctx));

export const removeGrantAction = defineCustomerAction("onboarding.remove_grant", z.object({ grantId: z.string().uuid("Pick a grant from the list.") }), (ctx, input) => removePortalGrant(ctx, input));
