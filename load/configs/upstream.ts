import type { Range } from "../../core/source.js";

/** A reference from a config file to another service: the input of RF120 and its host splice. */
export interface UpstreamRef {
  /** What refers to the host, e.g. "caddy.reverse_proxy", "nginx.proxy_pass", "env.url". */
  kind: string;
  /** The whole address as written (inside quotes, when quoted). */
  raw: string;
  scheme?: string;
  host: string;
  port?: number;
  path?: string;
  /** Offsets of the host bytes in the file text: what a fix replaces. */
  hostRange: Range;
  /** Offsets of the whole token (quotes included) in the file text. */
  range: Range;
  /** The host holds a template action or a placeholder, so its value is only known at deploy time. */
  templated: boolean;
}

/** A piece of an address whose value is decided later, and whose inner `:` `/` `@` must not split it. */
export interface OpaqueSpan {
  kind: "template" | "env" | "placeholder" | "variable";
  start: number;
  end: number;
}

export interface OpaqueSpanOptions {
  /** Shell/compose `${VAR}` and `$VAR`, nginx `$var` (not Caddy, where `$` is literal outside `{$…}`). */
  dollarVariables?: boolean;
}

/**
 * End offset (after `}}`) of the Go template action opening at `start`, or -1 when it never closes.
 * Quotes, raw strings and comments inside the action may hold `}}` without closing it.
 */
export function templateActionEnd(text: string, start: number): number {
  let i = start + 2;
  const n = text.length;
  if (text.startsWith("- /*", i) || text.startsWith("/*", i)) {
    const close = text.indexOf("*/", i);
    if (close === -1) return -1;
    i = close + 2;
  }
  while (i < n) {
    const ch = text[i];
    if (ch === "}" && text[i + 1] === "}") return i + 2;
    if (ch === '"' || ch === "'") {
      i++;
      while (i < n && text[i] !== ch && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
      if (i >= n || text[i] === "\n") return -1;
    } else if (ch === "`") {
      const close = text.indexOf("`", i + 1);
      if (close === -1) return -1;
      i = close;
    }
    i++;
  }
  return -1;
}

const VARIABLE_NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Template actions and placeholders in `text`, left to right; an unterminated `{{` runs to the end. */
export function opaqueSpans(text: string, options: OpaqueSpanOptions = {}): OpaqueSpan[] {
  const spans: OpaqueSpan[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "{" && text[i + 1] === "{") {
      const end = templateActionEnd(text, i);
      spans.push({ kind: "template", start: i, end: end === -1 ? text.length : end });
      i = end === -1 ? text.length : end;
      continue;
    }
    if (ch === "{" && text[i + 1] === "$") {
      const end = closingBrace(text, i + 2);
      if (end !== -1) {
        spans.push({ kind: "env", start: i, end });
        i = end;
        continue;
      }
    }
    if (ch === "{" && /[A-Za-z_]/.test(text[i + 1] ?? "")) {
      const end = closingBrace(text, i + 1);
      if (end !== -1) {
        spans.push({ kind: "placeholder", start: i, end });
        i = end;
        continue;
      }
    }
    if (ch === "$" && options.dollarVariables) {
      if (text[i + 1] === "{") {
        const end = closingBrace(text, i + 2);
        if (end !== -1) {
          spans.push({ kind: "variable", start: i, end });
          i = end;
          continue;
        }
      }
      // Sticky, not a slice of the rest: thousands of `$` in a value must stay linear.
      VARIABLE_NAME.lastIndex = i + 1;
      const m = VARIABLE_NAME.exec(text);
      if (m) {
        spans.push({ kind: "variable", start: i, end: i + 1 + m[0].length });
        i += 1 + m[0].length;
        continue;
      }
    }
    i++;
  }
  return spans;
}

/** Offset after the `}` closing a placeholder whose name starts at `from`, or -1 (no `}`, or a space or `{` first). */
function closingBrace(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (ch === "}") return i > from ? i + 1 : -1;
    if (ch === "{" || /\s/.test(ch)) return -1;
  }
  return -1;
}

/** `text` with every opaque span's characters replaced by `x`, so separators inside them are not seen. */
function masked(text: string, spans: OpaqueSpan[]): string {
  let out = "";
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + "x".repeat(s.end - s.start);
    at = s.end;
  }
  return out + text.slice(at);
}

export interface AddressOptions extends OpaqueSpanOptions {
  /** `url` needs `scheme://`; `auto` also takes `host[:port]`. */
  form: "url" | "auto";
  /** Offset of `raw` in the file text. */
  offset: number;
  /** The whole token, when it is wider than `raw` (quotes). */
  range?: Range;
}

/**
 * Splits an address into scheme, host, port and path, keeping template actions and placeholders
 * whole (`{{ env "STACK_NAME" }}_app:3000`, `{$HOST:app}:80`). Undefined when there is no host.
 */
export function parseAddress(raw: string, kind: string, options: AddressOptions): UpstreamRef | undefined {
  const spans = opaqueSpans(raw, options);
  const m = masked(raw, spans);
  let scheme: string | undefined;
  let at = 0;
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(m);
  if (schemeMatch) {
    scheme = (schemeMatch[1] ?? "").toLowerCase();
    at = schemeMatch[0].length;
  } else if (options.form === "url") return undefined;
  let authorityEnd = m.length;
  for (const sep of ["/", "?", "#"]) {
    const k = m.indexOf(sep, at);
    if (k !== -1 && k < authorityEnd) authorityEnd = k;
  }
  const userinfoEnd = m.lastIndexOf("@", authorityEnd - 1);
  if (userinfoEnd >= at) at = userinfoEnd + 1;
  let hostStart = at;
  let hostEnd: number;
  let portText = "";
  if (m[at] === "[") {
    const close = m.indexOf("]", at);
    if (close === -1 || close > authorityEnd) return undefined;
    hostStart = at + 1;
    hostEnd = close;
    if (m[close + 1] === ":") portText = raw.slice(close + 2, authorityEnd);
  } else {
    const colon = m.lastIndexOf(":", authorityEnd - 1);
    hostEnd = colon >= at ? colon : authorityEnd;
    if (colon >= at) portText = raw.slice(colon + 1, authorityEnd);
  }
  if (hostEnd <= hostStart) return undefined;
  const host = raw.slice(hostStart, hostEnd);
  const ref: UpstreamRef = {
    kind,
    raw,
    host,
    hostRange: { start: options.offset + hostStart, end: options.offset + hostEnd },
    range: options.range ?? { start: options.offset, end: options.offset + raw.length },
    templated: spans.some((s) => s.start < hostEnd && s.end > hostStart),
  };
  if (scheme !== undefined) ref.scheme = scheme;
  if (/^\d{1,5}$/.test(portText)) ref.port = Number(portText);
  if (authorityEnd < raw.length) ref.path = raw.slice(authorityEnd);
  return ref;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * A name that Docker's DNS resolves per network, so on a shared network it may reach another stack:
 * no dot (not a domain or an IPv4 address), not IPv6, not `localhost`, no template or placeholder.
 */
export function isBareServiceName(host: string): boolean {
  if (host === "" || host.toLowerCase() === "localhost") return false;
  if (IPV4.test(host) || host.includes(":")) return false;
  if (/^\d+$/.test(host)) return false;
  return /^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(host);
}
