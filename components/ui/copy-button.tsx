"use client";

import { useState } from "react";
import { toast } from "sonner";
import { BUTTON_VARIANTS, type ButtonVariant } from "./button";

/** Copies `text` to the clipboard and says so (on the button, and in a toast); a refused clipboard is reported too. */
export function CopyButton({ text, label = "Copy", copiedLabel = "Copied", variant = "link", className }: { text: string | (() => string); label?: string; copiedLabel?: string; variant?: ButtonVariant; className?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={className ? `${BUTTON_VARIANTS[variant]} ${className}` : BUTTON_VARIANTS[variant]}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(typeof text === "function" ? text() : text);
        } catch {
          toast.error("The browser did not allow copying: select the text and copy it by hand.");
          return;
        }
        setCopied(true);
        toast.success(copiedLabel);
        setTimeout(() => setCopied(false), 2000);
      }}
    >
      {copied ? copiedLabel : label}
    </button>
  );
}
