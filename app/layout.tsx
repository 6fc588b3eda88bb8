import type { Metadata } from "next";
import { GeistSans } from "geist/font/sans";
import { GeistMono } from "geist/font/mono";
import { Toaster } from "sonner";
import { HydrationMarker } from "@/components/ui/hydration-marker";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "CMK Portal", template: "%s · CMK Portal" },
  description: "Self-service cross-tenant customer-managed keys for Azure managed disks.",
  icons: { icon: "/favicon.svg" },
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body className="min-h-screen font-sans">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-4 focus:py-2 focus:font-medium focus:text-brand-700 focus:shadow"
        >
          Skip to main content
        </a>
        <HydrationMarker />
        {children}
        {/* One toast region for the whole app; sonner's injected <style> is allowed by the CSP's style-src. */}
        <Toaster theme="system" position="top-right" closeButton />
      </body>
    </html>
  );
}
