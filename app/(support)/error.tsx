"use client";

import { AreaError } from "@/components/ui/area-states";

export default function SupportAreaError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <AreaError audience="Support" title="Support console" home="/support" digest={error.digest} reset={reset} />;
}
