"use client";

import { AreaError } from "@/components/ui/area-states";

export default function CustomerAreaError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <AreaError audience="Customer" title="Your key" home="/onboarding" digest={error.digest} reset={reset} />;
}
