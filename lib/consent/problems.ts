// What went wrong with consent, in plain words, and what to do. Shared by the service and the page.
export const CONSENT_PROBLEMS = {
  declined: { message: "Consent was declined, so nothing was changed in your organization.", fix: "Choose “Grant admin consent” again and accept, or ask your administrator to do it." },
  "not-admin": { message: "Only an administrator of your organization can grant this consent.", fix: "Send the link below to a Global Administrator, Privileged Role Administrator, Cloud Application Administrator or Application Administrator, then choose “Check again”." },
  "blocked-by-policy": { message: "Your organization's policy blocks granting consent to this app.", fix: "Ask your Global Administrator to allow it, or to grant consent with the link below." },
  "wrong-tenant": { message: "Consent was granted in a different organization than the one you signed in with.", fix: "Grant consent with an administrator account of your own organization." },
  expired: { message: "This consent link expired (links are valid for 10 minutes).", fix: "Start the consent again." },
  "invalid-state": { message: "This consent response was already used or did not start from your sign-in.", fix: "Start the consent again from this page." },
  "not-confirmed": { message: "The provider's app is not installed in your organization: consent has not been granted yet, or it was removed.", fix: "An administrator must grant consent. If one just did, Microsoft Entra ID can take a minute to show it: choose “Check again” shortly." },
  replicating: { message: "Consent was granted, but Microsoft Entra ID has not finished setting the app up in your organization yet.", fix: "This usually takes under a minute: choose “Check again” shortly." },
  removed: { message: "Consent was removed: the provider's app is no longer installed in your organization.", fix: "Grant admin consent again to restore access." },
  failed: { message: "Microsoft Entra ID did not complete the consent.", fix: "Try again; if it keeps failing, send the link below to your Global Administrator." },
} as const;

export type ConsentProblem = keyof typeof CONSENT_PROBLEMS;

export function isConsentProblem(value: string | undefined): value is ConsentProblem {
  return value !== undefined && Object.hasOwn(CONSENT_PROBLEMS, value);
}
