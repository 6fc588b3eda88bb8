// Writing the generated files: quoting that keeps customer text from becoming expressions (HCL) or expansions (shell),
// and Terraform blocks laid out as `terraform fmt` writes them (the `=` of neighbouring attributes aligned). Pure.

/** A quoted HCL string: JSON escaping, and `${`/`%{` doubled so a value can never become an expression. */
export function str(value: string): string {
  return JSON.stringify(value).replace(/([$%])\{/g, (_, sign: string) => `${sign}${sign}{`);
}

/** A quoted HCL template whose \${…} interpolations are ours (Terraform references), never customer data. */
export function template(value: string): string {
  return JSON.stringify(value);
}

export function list(values: readonly (string | number)[]): string {
  return `[${values.map((v) => (typeof v === "number" ? String(v) : str(v))).join(", ")}]`;
}

/** A single-quoted shell word: nothing inside is expanded. */
export function sq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Free text (display names from configuration) on one comment line. */
export function commentText(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}

/** Attribute lines (values are HCL already), `=` aligned over the group as terraform fmt aligns it. */
function attributes(pairs: readonly (readonly [string, string])[], indent: string): string {
  const width = Math.max(...pairs.map(([name]) => name.length));
  return pairs.map(([name, value]) => `${indent}${name.padEnd(width)} = ${value}`).join("\n");
}

type Attributes = readonly (readonly [string, string | undefined])[];

/** One block; attribute groups are separated by a blank line, and an attribute without a value is left out. */
export function block(header: string, ...groups: Attributes[]): string {
  const body = groups
    .map((group) => group.filter((pair): pair is readonly [string, string] => pair[1] !== undefined))
    .filter((group) => group.length > 0)
    .map((group) => attributes(group, "  "));
  return `${header} {\n${body.join("\n\n")}\n}`;
}

/** A `variable` block, with one validation rule if given. */
export function variable(name: string, spec: { description?: string; type: string; default?: string; validation?: { condition: string; errorMessage: string } }): string {
  const head: [string, string][] = [];
  if (spec.description !== undefined) head.push(["description", str(spec.description)]);
  head.push(["type", spec.type]);
  if (spec.default !== undefined) head.push(["default", spec.default]);
  const validation = spec.validation ? `\n\n  validation {\n${attributes([["condition", spec.validation.condition], ["error_message", str(spec.validation.errorMessage)]], "    ")}\n  }` : "";
  return `variable ${JSON.stringify(name)} {\n${attributes(head, "  ")}${validation}\n}`;
}
