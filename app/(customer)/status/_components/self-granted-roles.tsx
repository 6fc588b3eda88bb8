import { db } from "@/lib/db/client";
import { selfGrantedDataRoles } from "@/lib/onboarding/grants";
import { PortalGrants } from "../../onboarding/_components/portal-grants";
import { removeGrant } from "./key-actions";

/** Onboarding is done: the data role the portal gave an admin to list and create keys can go. */
export async function SelfGrantedRoles({ entraTenantId }: { entraTenantId: string }) {
  const grants = await selfGrantedDataRoles(db(), entraTenantId);
  return (
    <PortalGrants
      testId="self-granted-roles"
      grants={grants}
      heading="Your own key role, granted during onboarding"
      intro="The portal gave an admin “Key Vault Crypto Officer” on the vault so that they could list and create keys. The provider does not need it; remove it unless your team uses it to manage keys."
      consequence="The admin can no longer list, create or rotate keys in this vault unless another role allows it. The provider's access is not affected."
      remove={removeGrant}
    />
  );
}
