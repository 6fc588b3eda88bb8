"use client";

import { createContext, useContext, useEffect, useState } from "react";
import { PublicClientApplication, type AuthenticationResult } from "@azure/msal-browser";
import { MsalProvider } from "@azure/msal-react";
import type { BrowserAuthConfig } from "@/lib/auth/browser-config";

let application: PublicClientApplication | undefined;
let redirectOutcome: Promise<RedirectOutcome> | undefined;

export type RedirectOutcome = { result: AuthenticationResult | null; errorCode: string | null };

const RedirectOutcomeContext = createContext<RedirectOutcome>({ result: null, errorCode: null });
const AuthConfigContext = createContext<BrowserAuthConfig | null>(null);

function applicationFor(config: BrowserAuthConfig): PublicClientApplication {
  application ??= new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.customerAuthority,
      knownAuthorities: [config.knownAuthority],
      redirectUri: config.redirectUri,
      postLogoutRedirectUri: config.postLogoutRedirectUri,
      // Replace the sign-in/sign-out page in the history: "back" then leads to the page before it,
      // not into the sign-in or sign-out flow again.
      onRedirectNavigate: (url) => {
        window.location.replace(url);
        return false;
      },
    },
    // Tokens stay in this tab only; the server keeps what it needs in its own session.
    cache: { cacheLocation: "sessionStorage" },
  });
  return application;
}

/** Completes a redirect sign-in where it landed (not back on the page that started it), once per load. */
function completeRedirect(instance: PublicClientApplication): Promise<RedirectOutcome> {
  redirectOutcome ??= instance
    .initialize()
    .then(() => instance.handleRedirectPromise({ navigateToLoginRequestUrl: false }))
    .then((result) => ({ result, errorCode: null }))
    .catch((error: { errorCode?: string }) => ({ result: null, errorCode: error.errorCode ?? "unknown_error" }));
  return redirectOutcome;
}

export function MsalBoundary({ config, children }: { config: BrowserAuthConfig; children: React.ReactNode }) {
  const [ready, setReady] = useState<{ instance: PublicClientApplication; outcome: RedirectOutcome } | null>(null);
  useEffect(() => {
    const instance = applicationFor(config);
    let active = true;
    void completeRedirect(instance).then((outcome) => {
      if (active) setReady({ instance, outcome });
    });
    return () => {
      active = false;
    };
  }, [config]);
  if (!ready) {
    return (
      <p role="status" className="text-slate-600">
        Connecting to Microsoft sign-in…
      </p>
    );
  }
  return (
    <AuthConfigContext.Provider value={config}>
      <RedirectOutcomeContext.Provider value={ready.outcome}>
        <MsalProvider instance={ready.instance}>{children}</MsalProvider>
      </RedirectOutcomeContext.Provider>
    </AuthConfigContext.Provider>
  );
}

export function useRedirectOutcome(): RedirectOutcome {
  return useContext(RedirectOutcomeContext);
}

export function useAuthConfig(): BrowserAuthConfig {
  const config = useContext(AuthConfigContext);
  if (!config) throw new Error("useAuthConfig outside MsalBoundary");
  return config;
}
