import type { ButtonHTMLAttributes } from "react";

const BASE = "whitespace-nowrap rounded-lg px-4 py-2 font-medium disabled:cursor-not-allowed disabled:opacity-50";

/** The portal's one set of button looks; `danger` is for actions that remove access or data. */
export const BUTTON_VARIANTS = {
  primary: `${BASE} bg-brand-600 text-white hover:bg-brand-700`,
  secondary: `${BASE} border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700`,
  danger: `${BASE} bg-rose-700 text-white hover:bg-rose-800`,
  link: "font-medium text-brand-700 hover:underline disabled:cursor-not-allowed disabled:opacity-50 dark:text-brand-100",
} as const;

export type ButtonVariant = keyof typeof BUTTON_VARIANTS;

export function Button({ variant = "primary", className, type = "button", ...props }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: ButtonVariant }) {
  return <button type={type} className={className ? `${BUTTON_VARIANTS[variant]} ${className}` : BUTTON_VARIANTS[variant]} {...props} />;
}
