import type { Metadata } from "next";
import { SignOutRunner } from "@/components/auth/sign-in-flow";

export const metadata: Metadata = { title: "Signing out" };

export default function SignOutPage() {
  return <SignOutRunner />;
}
