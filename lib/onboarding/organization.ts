// One name for the customer's organization throughout the customer pages. The directory's display name is known
// only after consent, so before it the portal had the sign-in domain and afterwards the display name: the wizard's
// heading changed mid-way. The primary domain is known from the first page on (the admin's sign-in domain, then
// the directory's default domain, which is the same organization's), so it is the one name the pages show.
export function organizationLabel(tenant: { tenantId: string; primaryDomain: string | null }): string {
  return tenant.primaryDomain ?? tenant.tenantId;
}
