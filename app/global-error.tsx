"use client";

import "./globals.css";

/**
 * The last resort, when the root layout itself fails: it replaces the whole document, so it brings its own
 * <html> and <body>. It says what happened without any detail of the error, and offers to try again.
 */
export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <main id="main" className="mx-auto flex min-h-screen max-w-xl flex-col justify-center px-6 py-16">
          <div role="alert" className="rounded-xl border border-red-200 bg-red-50 p-8 text-red-950">
            <h1 className="text-2xl font-semibold">CMK Portal could not load</h1>
            <p className="mt-3">
              Something went wrong on our side. Nothing about keys, disks or their settings has changed. Try again in a
              moment.
            </p>
            {error.digest && (
              <p className="mt-2 text-sm">
                Reference for support: <code className="font-mono">{error.digest}</code>
              </p>
            )}
            <button type="button" onClick={reset} className="mt-4 rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
              Try again
            </button>
          </div>
        </main>
      </body>
    </html>
  );
}
