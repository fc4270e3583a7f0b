/** Python string-literal decoding: prefixes and escapes, so a literal's value is what Python sees. */

export interface StringPrefix {
  raw: boolean;
  bytes: boolean;
  format: boolean;
}

/** `rb"` → raw bytes; the prefix letters are case-insensitive and come in any order. */
export function parsePrefix(stringStart: string): StringPrefix {
  const letters = stringStart.replace(/["']+$/, "").toLowerCase();
  return { raw: letters.includes("r"), bytes: letters.includes("b"), format: letters.includes("f") };
}

const SIMPLE: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/**
 * Decodes the text between the quotes. `\N{NAME}` has no table here, so it yields `undefined`
 * (the caller treats the literal as not static) rather than a wrong value.
 */
export function decodeContent(text: string, prefix: StringPrefix): string | undefined {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (prefix.format && (c === "{" || c === "}") && text[i + 1] === c) {
      out += c;
      i += 2;
      continue;
    }
    if (c !== "\\" || prefix.raw) {
      out += c;
      i += 1;
      continue;
    }
    const n = text[i + 1];
    if (n === undefined) return undefined;
    if (n === "\n") {
      i += 2;
      continue;
    }
    const simple = SIMPLE[n];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    const hexLength = n === "x" ? 2 : n === "u" && !prefix.bytes ? 4 : n === "U" && !prefix.bytes ? 8 : 0;
    if (hexLength > 0) {
      const hex = text.slice(i + 2, i + 2 + hexLength);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) return undefined;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) return undefined;
      out += String.fromCodePoint(code);
      i += 2 + hexLength;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1));
    if (octal) {
      out += String.fromCodePoint(parseInt(octal[0], 8));
      i += 1 + octal[0].length;
      continue;
    }
    if (n === "N") return undefined;
    // Python keeps unknown escapes verbatim, backslash included.
    out += c + n;
    i += 2;
  }
  return out;
}

/** Integer and float literals: `1_000`, `0x1F`, `0o17`, `0b1`, `1e3`. */
export function parseNumber(text: string): number | undefined {
  const t = text.replace(/_/g, "").toLowerCase();
  if (/^0x[0-9a-f]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0o[0-7]+$/.test(t)) return parseInt(t.slice(2), 8);
  if (/^0b[01]+$/.test(t)) return parseInt(t.slice(2), 2);
  if (/j$/.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}
