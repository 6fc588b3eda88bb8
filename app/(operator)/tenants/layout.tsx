import { forbidden } from "next/navigation";
import { checkAreaAccess } from "@/lib/auth/guards";

/**
 * The operator area's gate, above loading.tsx: the page streams behind a loading state, and a refusal decided in
 * the page would come after the 200 status was sent. Here it is decided first, so a wrong account gets HTTP 403.
 */
export default async function OperatorAreaLayout({ children }: { children: React.ReactNode }) {
  const access = await checkAreaAccess("operator");
  if (!access.ok) forbidden();
  return children;
}
