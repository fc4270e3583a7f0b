import type { HarnessLanguage } from "./model.js";
import { NotStatic, show } from "./values.js";
import type { StaticValue } from "./values.js";

/**
 * String formatting as Python (f-strings, `%`, `str.format`) and JavaScript templates do it, for the
 * cases whose result is certain. Anything else is not static rather than approximated: a wrong
 * domain in a finding is worse than none.
 */
export function formatValue(
  v: StaticValue,
  conversion: string | undefined,
  spec: string | undefined,
  language: HarnessLanguage,
): string {
  const text = conversion === "r" || conversion === "a" ? repr(v) : stringify(v, language);
  return spec === undefined || spec === "" ? text : applySpec(v, text, spec);
}

function stringify(v: StaticValue, language: HarnessLanguage): string {
  switch (v.kind) {
    case "str":
      return v.value;
    case "num":
      return String(v.value);
    case "bool":
      return language === "python" ? (v.value ? "True" : "False") : String(v.value);
    case "none":
      if (language === "python") return "None";
  }
  throw new NotStatic(`${show(v)} in a string is not rendered statically`);
}

function repr(v: StaticValue): string {
  if (v.kind !== "str") return stringify(v, "python");
  const quote = v.value.includes("'") && !v.value.includes('"') ? '"' : "'";
  const body = v.value
    .replace(/\\/g, "\\\\")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t")
    .split(quote)
    .join(`\\${quote}`);
  return quote + body + quote;
}

const SPEC = /^(?:([\s\S])?([<>^]))?(0)?(\d+)?([sd])?$/;

/** Fill, alignment, width and the `s`/`d` types: the specs harness code uses on names and ports. */
function applySpec(v: StaticValue, text: string, spec: string): string {
  const m = SPEC.exec(spec);
  if (!m) throw new NotStatic(`format spec ${JSON.stringify(spec)} is not evaluated statically`);
  const [, fillChar, alignChar, zero, widthText, type] = m;
  if (type === "s" && v.kind !== "str") throw new NotStatic(`format spec "s" on ${show(v)}`);
  if (type === "d" && !(v.kind === "num" && Number.isInteger(v.value)))
    throw new NotStatic(`format spec "d" on ${show(v)}`);
  const numeric = v.kind === "num";
  const width = widthText ? Number(widthText) : 0;
  const fill = fillChar ?? (zero && !alignChar ? "0" : " ");
  const align = alignChar ?? (numeric ? ">" : "<");
  if (zero && !alignChar && numeric && text.startsWith("-")) {
    return "-" + text.slice(1).padStart(width - 1, "0");
  }
  return pad(text, width, fill, align);
}

function pad(text: string, width: number, fill: string, align: string): string {
  const missing = Math.max(0, width - text.length);
  if (align === "<") return text + fill.repeat(missing);
  if (align === ">") return fill.repeat(missing) + text;
  const left = Math.floor(missing / 2);
  return fill.repeat(left) + text + fill.repeat(missing - left);
}

const PERCENT = /%(?:\(([^)]*)\))?([-0 +#]*)(\d*)(?:\.(\d+))?([sdirf%])/g;

/** `"%s-%d" % (a, b)` and `"%(name)s" % {...}`. */
export function percentFormat(format: string, arg: StaticValue): string {
  const positional = arg.kind === "tuple" ? arg.items : [arg];
  let next = 0;
  const out = format.replace(
    PERCENT,
    (
      _all,
      key: string | undefined,
      flags: string,
      width: string,
      precision: string | undefined,
      type: string,
    ) => {
      if (type === "%") return "%";
      let v: StaticValue | undefined;
      if (key !== undefined) {
        if (arg.kind !== "dict") throw new NotStatic(`%(${key}) needs a dict`);
        v = arg.entries.find(([k]) => k.kind === "str" && k.value === key)?.[1];
      } else v = positional[next++];
      if (!v) throw new NotStatic(`not enough arguments for ${JSON.stringify(format)}`);
      let text: string;
      if (type === "s") text = stringify(v, "python");
      else if (type === "r") text = repr(v);
      else if (v.kind !== "num") throw new NotStatic(`%${type} on ${show(v)}`);
      else
        text =
          type === "f" ? v.value.toFixed(precision ? Number(precision) : 6) : String(Math.trunc(v.value));
      const w = width ? Number(width) : 0;
      if (flags.includes("-")) return pad(text, w, " ", "<");
      return pad(text, w, flags.includes("0") && type !== "s" && type !== "r" ? "0" : " ", ">");
    },
  );
  if (arg.kind === "tuple" && next < positional.length)
    throw new NotStatic(`not all arguments converted in ${JSON.stringify(format)}`);
  return out;
}

const FIELD = /\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::([^{}]*))?\}|[{}]/g;

/** `"{}-{name}".format(a, name=b)`; attribute and index lookups in fields are not followed. */
export function strFormat(format: string, args: StaticValue[], kwargs: Map<string, StaticValue>): string {
  let auto = 0;
  return format.replace(
    FIELD,
    (all, field: string | undefined, conversion: string | undefined, spec: string | undefined) => {
      if (all === "{{") return "{";
      if (all === "}}") return "}";
      if (field === undefined) throw new NotStatic(`unbalanced brace in ${JSON.stringify(format)}`);
      let v: StaticValue | undefined;
      if (field === "") v = args[auto++];
      else if (/^\d+$/.test(field)) v = args[Number(field)];
      else if (/^[A-Za-z_]\w*$/.test(field)) v = kwargs.get(field);
      else throw new NotStatic(`format field {${field}} is not evaluated statically`);
      if (!v) throw new NotStatic(`format field {${field}} has no argument`);
      return formatValue(v, conversion, spec, "python");
    },
  );
}
