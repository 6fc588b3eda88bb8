"use client";

import { useEffect, useRef, useState } from "react";
import { useMsal } from "@azure/msal-react";
import { useAuthConfig, useRedirectOutcome } from "./msal-boundary";

type SignInArea = "customer" | "staff";
type PendingSignIn = { area: SignInArea; returnTo: string };
/**
 * `consent` shows Entra's consent screen again; `login` makes the user sign in afresh (and meet MFA); `none` signs in
 * silently through Entra's own session (re-reading roles) and fails with login_required when there is none.
 */
export type SignInPrompt = "consent" | "login" | "none";

/** Extra request parameters for a step-up: max_age (auth_time must then be in the ID token) and a claims request. */
export type StepUpRequest = { maxAge: number; claims?: string };

const PENDING_KEY = "cmk.pendingSignIn";

const MSAL_ERRORS: Record<string, string> = {
  access_denied: "The sign-in was cancelled.",
  user_cancelled: "The sign-in was cancelled.",
  state_mismatch: "The sign-in response did not match the request (it may have been replayed).",
  nonce_mismatch: "The sign-in response did not match this browser's request.",
  no_network_connectivity: "Microsoft sign-in could not be reached.",
  login_required: "Your Microsoft sign-in has ended, so the portal could not re-check your roles silently.",
  interaction_required: "Microsoft needs you to sign in interactively.",
  max_age_transpired: "Microsoft did not sign you in afresh, so the action cannot be confirmed.",
};

export function SignInButton({
  area,
  returnTo,
  prompt,
  stepUp,
  label = "Sign in with Microsoft",
  autoStart = false,
}: PendingSignIn & { prompt?: SignInPrompt; stepUp?: StepUpRequest; label?: string; autoStart?: boolean }) {
  const { instance } = useMsal();
  const config = useAuthConfig();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const autoStarted = useRef(false);

  useEffect(() => {
    if (!autoStart || autoStarted.current) return;
    autoStarted.current = true;
    void start();
    // start() reads only props that autoStart was rendered with.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [autoStart]);

  async function start() {
    setBusy(true);
    setProblem(null);
    try {
      const response = await fetch("/api/auth/nonce", { method: "POST" });
      const { nonce } = (await response.json()) as { nonce: string };
      sessionStorage.setItem(PENDING_KEY, JSON.stringify({ area, returnTo } satisfies PendingSignIn));
      await instance.loginRedirect({
        scopes: [config.apiScope],
        // One consent for the portal API and the Azure APIs the server calls on-behalf-of (the token is for apiScope).
        extraScopesToConsent: config.consentScopes,
        nonce,
        authority: area === "staff" ? config.staffAuthority : config.customerAuthority,
        prompt: prompt ?? "select_account",
        // msal-browser 5 sends max_age only as an extra parameter (its own maxAge option is inert); the server checks
        // auth_time itself (lib/auth/step-up.ts).
        ...(stepUp && { extraQueryParameters: { max_age: String(stepUp.maxAge) }, ...(stepUp.claims && { claims: stepUp.claims }) }),
      });
    } catch {
      setBusy(false);
      setProblem("Microsoft sign-in could not be started. Check your connection and try again.");
    }
  }

  return (
    <div>
      <button
        type="button"
        onClick={start}
        disabled={busy}
        className="inline-flex items-center gap-3 rounded-lg bg-brand-600 px-5 py-3 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
      >
        <MicrosoftMark />
        {busy ? "Redirecting to Microsoft…" : label}
      </button>
      {problem && (
        <p role="alert" className="mt-3 text-sm text-red-700">
          {problem}
        </p>
      )}
    </div>
  );
}

/** Where Microsoft sends the browser back: hand the tokens to our server, which verifies them itself. */
export function CompleteSignIn() {
  const { instance } = useMsal();
  const outcome = useRedirectOutcome();
  // Rendered in the browser only (inside MsalBoundary), so sessionStorage is there.
  const [pending] = useState<PendingSignIn | null>(() => {
    const stored = sessionStorage.getItem(PENDING_KEY);
    return stored ? (JSON.parse(stored) as PendingSignIn) : null;
  });
  const [problem, setProblem] = useState<{ message: string; fix?: string; reference?: string } | null>(() => {
    if (outcome.errorCode) return { message: MSAL_ERRORS[outcome.errorCode] ?? `Microsoft sign-in did not complete (${outcome.errorCode}).`, fix: "Try signing in again." };
    if (!outcome.result || !pending) return { message: "There is no sign-in to complete here.", fix: "Start from the sign-in page." };
    return null;
  });
  const started = useRef(false);

  useEffect(() => {
    sessionStorage.removeItem(PENDING_KEY);
    if (started.current || !outcome.result || !pending || outcome.errorCode) return;
    started.current = true;
    void (async () => {
      const response = await fetch("/api/auth/session", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ area: pending.area, accessToken: outcome.result?.accessToken, idToken: outcome.result?.idToken }),
      });
      if (response.ok) {
        // The server holds the session now: the browser keeps no Entra tokens (nothing for a script to steal).
        await instance.clearCache().catch(() => undefined);
        window.location.replace(pending.returnTo);
        return;
      }
      const body = (await response.json().catch(() => null)) as { error?: { message: string; fix?: string; reference?: string } } | null;
      setProblem(body?.error ?? { message: "Sign-in failed.", fix: "Try again." });
    })();
  }, [outcome, pending, instance]);

  if (!problem) {
    return (
      <p role="status" className="text-slate-600">
        Signing you in…
      </p>
    );
  }
  const retry = pending ? `/signin?${new URLSearchParams({ area: pending.area === "staff" ? "operator" : "customer", returnTo: pending.returnTo })}` : "/";
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4">
      <h1 className="text-lg font-semibold text-red-900">You are not signed in</h1>
      <p className="mt-2 font-medium text-red-800">{problem.message}</p>
      {problem.fix && <p className="mt-1 text-red-700">{problem.fix}</p>}
      {problem.reference && (
        <p className="mt-1 text-xs text-red-700">
          Reference: <code className="font-mono">{problem.reference}</code>
        </p>
      )}
      <a href={retry} className="mt-3 inline-block font-medium text-brand-700 underline">
        Sign in again
      </a>
    </div>
  );
}

/** Sign-out: the server forgets the session and its tokens, then Microsoft signs the browser out too. */
export function SignOutRunner() {
  const { instance } = useMsal();
  const config = useAuthConfig();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void (async () => {
      await fetch("/api/auth/session", { method: "DELETE" }).catch(() => undefined);
      sessionStorage.removeItem(PENDING_KEY);
      const account = instance.getActiveAccount() ?? instance.getAllAccounts()[0];
      await instance.logoutRedirect({ account, postLogoutRedirectUri: config.postLogoutRedirectUri });
    })();
  }, [instance, config]);
  return (
    <p role="status" className="text-slate-600">
      Signing you out…
    </p>
  );
}

function MicrosoftMark() {
  return (
    <svg aria-hidden="true" viewBox="0 0 21 21" className="h-5 w-5">
      <rect x="1" y="1" width="9" height="9" fill="#f25022" />
      <rect x="11" y="1" width="9" height="9" fill="#7fba00" />
      <rect x="1" y="11" width="9" height="9" fill="#00a4ef" />
      <rect x="11" y="11" width="9" height="9" fill="#ffb900" />
    </svg>
  );
}
