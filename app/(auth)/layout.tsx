import { MsalBoundary } from "@/components/auth/msal-boundary";
import { BrandMark } from "@/components/ui/page-shell";
import { browserAuthConfig } from "@/lib/auth/browser-config";

export const dynamic = "force-dynamic";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-xl flex-col justify-center px-6 py-16">
      <div className="mb-8">
        <BrandMark />
      </div>
      <div className="rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <MsalBoundary config={browserAuthConfig()}>{children}</MsalBoundary>
      </div>
    </main>
  );
}
