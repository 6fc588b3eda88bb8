"use client";

import * as AlertDialog from "@radix-ui/react-alert-dialog";
import type { ReactNode } from "react";

export type Confirmation = {
  /** What is about to happen, as a question: "Revoke access to the key?" */
  title: string;
  /** The consequence, in plain words: what breaks, for whom, and whether it can be undone. */
  consequence: ReactNode;
  /** The destructive button's label: says what it does ("Revoke access"), never "OK". */
  confirmLabel: string;
};

/**
 * Confirmation before a destructive action, on Radix AlertDialog: focus is trapped in the dialog, Escape or Cancel
 * closes it, and Cancel has focus when it opens, so a stray Enter never confirms. Focus returns to the trigger.
 */
export function ConfirmDialog({ trigger, title, consequence, confirmLabel, onConfirm }: Confirmation & { trigger: ReactNode; onConfirm(): void }) {
  return (
    <AlertDialog.Root>
      <AlertDialog.Trigger asChild>{trigger}</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-slate-900/50" />
        <AlertDialog.Content
          className="fixed left-1/2 top-1/2 z-50 w-[min(32rem,calc(100vw-2rem))] -translate-x-1/2 -translate-y-1/2 rounded-xl border border-slate-200 bg-white p-6 text-slate-900 shadow-xl dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
          onOpenAutoFocus={(event) => {
            event.preventDefault();
            (event.currentTarget as HTMLElement).querySelector<HTMLButtonElement>("[data-confirm-cancel]")?.focus();
          }}
        >
          <AlertDialog.Title className="text-lg font-semibold">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="mt-2 text-sm text-slate-700 dark:text-slate-300">{consequence}</div>
          </AlertDialog.Description>
          <div className="mt-6 flex justify-end gap-3">
            <AlertDialog.Cancel
              data-confirm-cancel
              className="rounded-lg border border-slate-300 bg-white px-4 py-2 font-medium text-slate-800 hover:bg-slate-50 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700"
            >
              Cancel
            </AlertDialog.Cancel>
            <AlertDialog.Action onClick={onConfirm} className="rounded-lg bg-rose-700 px-4 py-2 font-medium text-white hover:bg-rose-800">
              {confirmLabel}
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
