"use client";

import Link from "next/link";
import { useEffect, useRef } from "react";
import { PageShell } from "./page-shell";

type Audience = "Customer" | "Operator" | "Support";

/**
 * What an area shows when one of its pages throws: what happened in plain words, that nothing about keys or disks
 * changed, a reference to quote (Next's error digest, also in the server log), and a way to try again.
 * The raw error message is never shown: in production Next replaces it anyway, and in development it may hold detail.
 */
export function AreaError({ audience, title, home, digest, reset }: { audience: Audience; title: string; home: string; digest?: string; reset: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);
  return (
    <PageShell audience={audience} title={title}>
      <div ref={box} tabIndex={-1} role="alert" className="max-w-2xl rounded-xl border border-red-200 bg-red-50 p-6 text-red-950 outline-none focus:ring-2 focus:ring-red-400">
        <p className="font-semibold">This page could not load.</p>
        <p className="mt-2">
          Something went wrong on our side while preparing it, usually a brief loss of the portal&apos;s database. Nothing about
          keys, disks or their settings has changed.
        </p>
        {digest && (
          <p className="mt-2 text-sm">
            If it keeps happening, give support this reference: <code className="font-mono">{digest}</code>
          </p>
        )}
        <div className="mt-4 flex flex-wrap gap-3">
          <button type="button" onClick={reset} className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
            Try again
          </button>
          <Link href={home} className="rounded-md border border-red-300 px-4 py-2 font-medium text-red-900 hover:bg-red-100">
            Back to the start of this area
          </Link>
        </div>
      </div>
    </PageShell>
  );
}
