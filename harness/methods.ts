import { strFormat } from "./format.js";
import { NotStatic, equal, show } from "./values.js";
import type { StaticValue } from "./values.js";

/**
 * The built-in methods harness code calls on strings, dicts and sets, in both languages' spellings
 * (`startswith` / `startsWith`). Only methods whose result is certain are evaluated.
 */
export function callMethod(
  self: StaticValue,
  name: string,
  args: StaticValue[],
  kwargs: Map<string, StaticValue>,
): StaticValue {
  const [a, b] = args;
  if (self.kind === "dict" && name === "get" && a) {
    const hit = self.entries.find(([k]) => equal(k, a));
    return hit ? hit[1] : (b ?? { kind: "none" });
  }
  if ((self.kind === "set" || self.kind === "list") && (name === "has" || name === "includes") && a) {
    return { kind: "bool", value: contains(self, a) };
  }
  if (self.kind === "str") {
    const s = self.value;
    const str = (v: StaticValue | undefined): string | undefined => (v?.kind === "str" ? v.value : undefined);
    switch (name) {
      case "format":
        return { kind: "str", value: strFormat(s, args, kwargs) };
      case "lower":
      case "toLowerCase":
        return { kind: "str", value: s.toLowerCase() };
      case "upper":
      case "toUpperCase":
        return { kind: "str", value: s.toUpperCase() };
      case "strip":
      case "trim":
        if (!a) return { kind: "str", value: s.trim() };
        break;
      case "replace":
      case "replaceAll":
        if (str(a) !== undefined && str(b) !== undefined)
          return { kind: "str", value: s.split(str(a)!).join(str(b)!) };
        break;
      case "startswith":
      case "startsWith":
        if (str(a) !== undefined) return { kind: "bool", value: s.startsWith(str(a)!) };
        break;
      case "endswith":
      case "endsWith":
        if (str(a) !== undefined) return { kind: "bool", value: s.endsWith(str(a)!) };
        break;
      case "includes":
        if (str(a) !== undefined) return { kind: "bool", value: s.includes(str(a)!) };
        break;
      case "split":
      case "rsplit":
        if (str(a) && (b === undefined || b.kind === "num"))
          return { kind: "list", items: split(s, name, str(a)!, b) };
        break;
      case "join":
        if (a && (a.kind === "list" || a.kind === "tuple") && a.items.every((i) => i.kind === "str")) {
          return { kind: "str", value: a.items.map((i) => (i.kind === "str" ? i.value : "")).join(s) };
        }
    }
  }
  throw new NotStatic(`method ${name} of ${show(self)} is not evaluated statically`);
}

/** `str.split(sep)` / `rsplit` / JS `split`, with Python's maxsplit. */
function split(
  s: string,
  name: "split" | "rsplit",
  sep: string,
  max: StaticValue | undefined,
): StaticValue[] {
  let parts = s.split(sep);
  if (max?.kind === "num" && max.value >= 0 && parts.length > max.value + 1) {
    parts =
      name === "split"
        ? [...parts.slice(0, max.value), parts.slice(max.value).join(sep)]
        : [parts.slice(0, parts.length - max.value).join(sep), ...parts.slice(parts.length - max.value)];
  }
  return parts.map((value): StaticValue => ({ kind: "str", value }));
}

/** Python `in` (and `.has` / `.includes`): keys of a dict, items of a sequence, substrings. */
export function contains(container: StaticValue, item: StaticValue): boolean {
  switch (container.kind) {
    case "dict":
      return container.entries.some(([k]) => equal(k, item));
    case "list":
    case "tuple":
    case "set":
      return container.items.some((i) => equal(i, item));
    case "str":
      if (item.kind === "str") return container.value.includes(item.value);
  }
  throw new NotStatic(`membership test in ${show(container)}`);
}
