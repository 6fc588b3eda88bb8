import { db } from "@/lib/db/client";
import { abandonedGrants } from "@/lib/onboarding/grants";
import { removeGrant } from "../actions";
import { PortalGrants } from "./portal-grants";

/** After the admin moved to another vault or key: what the portal granted on the old one, offered for removal. */
export async function AbandonedGrants({ entraTenantId }: { entraTenantId: string }) {
  const grants = await abandonedGrants(db(), entraTenantId);
  return (
    <PortalGrants
      testId="abandoned-grants"
      grants={grants}
      heading="Access the portal granted on a vault or key you no longer use"
      intro="You moved to another vault or key. These grants were made by the portal for your earlier choice and are no longer needed."
      consequence="Nothing the provider uses now depends on it."
      remove={removeGrant}
    />
  );
}
