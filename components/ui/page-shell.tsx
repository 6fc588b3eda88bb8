import Link from "next/link";

type Audience = "Customer" | "Operator" | "Support";

export type ShellUser = { displayName: string; userName: string };

/** The frame of every audience area: who the page is for, who is signed in, and a way out. */
export function PageShell({ audience, title, user, nav, children }: { audience: Audience; title: string; user?: ShellUser; nav?: React.ReactNode; children: React.ReactNode }) {
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl items-center justify-between gap-4 px-6 py-3">
          <div className="flex items-center gap-6">
            <Link href="/" className="flex items-center gap-2 font-semibold text-brand-900">
              <KeyMark />
              CMK Portal
            </Link>
            {nav}
          </div>
          <div className="flex items-center gap-4 text-sm">
            <span className="rounded-full bg-brand-50 px-3 py-1 text-xs font-medium text-brand-700">{audience} area</span>
            {user && (
              <>
                <span className="hidden text-slate-600 sm:inline" title={user.userName}>
                  {user.displayName}
                </span>
                <Link href="/signout" prefetch={false} className="font-medium text-brand-700 hover:underline">
                  Sign out
                </Link>
              </>
            )}
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-6 py-10 outline-none">
        <h1 className="text-3xl font-semibold tracking-tight text-slate-900">{title}</h1>
        <div className="mt-6">{children}</div>
      </main>
    </div>
  );
}

/** A narrow card under the brand, for sign-in and other one-purpose pages outside the areas. */
export function CenteredCard({ children }: { children: React.ReactNode }) {
  return (
    <main id="main" tabIndex={-1} className="mx-auto flex min-h-screen max-w-xl outline-none flex-col justify-center px-6 py-16">
      <div className="mb-8">
        <BrandMark />
      </div>
      <div className="rounded-xl border border-slate-200 bg-white p-8 shadow-sm">{children}</div>
    </main>
  );
}

/** An area's own links in the header (e.g. Customers / Audit log). */
export function AreaNav({ label, links }: { label: string; links: { href: string; text: string }[] }) {
  return (
    <nav aria-label={label} className="flex gap-4 text-sm font-medium">
      {links.map((link) => (
        <Link key={link.href} href={link.href} className="text-slate-700 hover:text-brand-700 hover:underline">
          {link.text}
        </Link>
      ))}
    </nav>
  );
}

/** The product's name with its mark, as on the top of the public pages. */
export function BrandMark() {
  return (
    <div className="flex items-center gap-2 text-lg font-semibold text-brand-900">
      <KeyMark />
      CMK Portal
    </div>
  );
}

export function KeyMark() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className="h-6 w-6 text-brand-600" fill="none" stroke="currentColor" strokeWidth={2}>
      <circle cx="8" cy="15" r="4" />
      <path d="M11 12l8-8m-3 3l2 2m-4 0l2 2" strokeLinecap="round" />
    </svg>
  );
}
