import type { Metadata } from "next";
import { CompleteSignIn } from "@/components/auth/sign-in-flow";

export const metadata: Metadata = { title: "Signing in" };

export default function SignInCallbackPage() {
  return <CompleteSignIn />;
}
