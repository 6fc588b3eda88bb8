import { MsalBoundary } from "@/components/auth/msal-boundary";
import { CenteredCard } from "@/components/ui/page-shell";
import { browserAuthConfig } from "@/lib/auth/browser-config";

export const dynamic = "force-dynamic";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <CenteredCard>
      <MsalBoundary config={browserAuthConfig()}>{children}</MsalBoundary>
    </CenteredCard>
  );
}
