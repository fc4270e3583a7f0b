/** Values the static evaluator can know without running harness code. */
export type StaticValue =
  | { kind: "str"; value: string }
  | { kind: "num"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "none" }
  | { kind: "dict"; entries: [StaticValue, StaticValue][] }
  | { kind: "list" | "tuple" | "set"; items: StaticValue[] };

/** Python truthiness (which agrees with JavaScript's for every value here but empty containers). */
export function truthy(v: StaticValue): boolean {
  switch (v.kind) {
    case "str":
      return v.value !== "";
    case "num":
      return v.value !== 0;
    case "bool":
      return v.value;
    case "none":
      return false;
    case "dict":
      return v.entries.length > 0;
    default:
      return v.items.length > 0;
  }
}

/** Python's `==`: `True == 1` holds, containers compare item by item (sets and dicts ignore order). */
export function equal(a: StaticValue, b: StaticValue): boolean {
  const num = (v: StaticValue): number | undefined =>
    v.kind === "num" ? v.value : v.kind === "bool" ? Number(v.value) : undefined;
  const na = num(a);
  const nb = num(b);
  if (na !== undefined || nb !== undefined) return na === nb;
  if (a.kind === "str" && b.kind === "str") return a.value === b.value;
  if (a.kind === "none" || b.kind === "none") return a.kind === b.kind;
  if (a.kind === "dict" && b.kind === "dict") {
    return (
      a.entries.length === b.entries.length &&
      a.entries.every(([k, v]) => b.entries.some(([k2, v2]) => equal(k, k2) && equal(v, v2)))
    );
  }
  if ((a.kind === "list" || a.kind === "tuple") && a.kind === b.kind) {
    return a.items.length === b.items.length && a.items.every((x, i) => equal(x, b.items[i]!));
  }
  if (a.kind === "set" && b.kind === "set") {
    return (
      a.items.every((x) => b.items.some((y) => equal(x, y))) &&
      b.items.every((y) => a.items.some((x) => equal(x, y)))
    );
  }
  return false;
}

/** A short, Python-like rendering for messages and trace notes. */
export function show(v: StaticValue): string {
  switch (v.kind) {
    case "str":
      return JSON.stringify(v.value);
    case "num":
      return String(v.value);
    case "bool":
      return v.value ? "True" : "False";
    case "none":
      return "None";
    case "dict":
      return `{${v.entries.map(([k, x]) => `${show(k)}: ${show(x)}`).join(", ")}}`;
    case "list":
      return `[${v.items.map(show).join(", ")}]`;
    case "tuple":
      return `(${v.items.map(show).join(", ")}${v.items.length === 1 ? "," : ""})`;
    case "set":
      return v.items.length ? `{${v.items.map(show).join(", ")}}` : "set()";
  }
}

/** Why a value is not known statically; unwinds the evaluation to its public entry point. */
export class NotStatic extends Error {}
