import { opaqueSpans, parseAddress, type UpstreamRef } from "./upstream.js";

export { isBareServiceName } from "./upstream.js";

export interface EnvValueOptions {
  /** The variable's name: a `*_HOST`-style key makes a lone host (`db`) a reference too. */
  key?: string;
}

/** Keys whose whole value is a host name (`DB_HOST=db`, `REDIS_HOSTNAME=redis`, `SMTP_SERVER=mail`). */
const HOST_KEY = /(^|_)(HOST|HOSTNAME|SERVER|ADDR|ADDRESS)$/i;

/** The whole value as one host (`kind: env.host`), when it is a single name with no scheme or port. */
function bareHost(value: string, offset: number): UpstreamRef | undefined {
  const trimmed = value.trim();
  if (trimmed === "" || /[\s,;/@]/.test(trimmed) || trimmed.includes(":")) return undefined;
  const at = value.indexOf(trimmed);
  const ref = parseAddress(trimmed, "env.host", { form: "auto", offset: offset + at, dollarVariables: true });
  return ref && ref.host === trimmed ? ref : undefined;
}

interface Word {
  start: number;
  end: number;
}

const SCHEME_CHAR = /[A-Za-z0-9+.-]/;

/**
 * Where a URL scheme (`[A-Za-z][A-Za-z0-9+.-]*://`) starts in `text`, as the unanchored regex would
 * find it, in linear time: the regex retries its `*` from every position, which on a 600 KB value
 * without `://` takes minutes.
 */
function schemeAt(text: string): { index: number } | null {
  for (let p = text.indexOf("://"); p !== -1; p = text.indexOf("://", p + 1)) {
    let r = p;
    while (r > 0 && SCHEME_CHAR.test(text[r - 1]!)) r--;
    for (let i = r; i < p; i++) if (/[A-Za-z]/.test(text[i]!)) return { index: i };
  }
  return null;
}

/**
 * Hosts inside an environment value: URLs (`postgres://user:pw@db:5432/x`, `redis://redis`, several hosts
 * as in `mongodb://a:27017,b:27017/x`, a URL after `--flag=`) and `host:port` pairs (`db:5432`, `a:1,b:2`).
 * `${VAR}`, `$VAR`, `{{ … }}` and `{$VAR}` stay whole: `${STACK_NAME}_db:5432` is one templated host.
 * `offset` is the value's offset in its file, so ranges point into the file.
 */
export function envValueUpstreams(value: string, offset = 0, options: EnvValueOptions = {}): UpstreamRef[] {
  const refs: UpstreamRef[] = [];
  const host = options.key !== undefined && HOST_KEY.test(options.key) ? bareHost(value, offset) : undefined;
  if (host) return [host];
  const spans = opaqueSpans(value, { dollarVariables: true });
  // One mark per character, not a search of every span per character: linear in the value's length.
  const opaque = new Uint8Array(value.length + 1);
  for (const s of spans) opaque.fill(1, s.start, s.end);
  const inSpan = (k: number): boolean => opaque[k] === 1;
  const words: Word[] = [];
  let start = -1;
  for (let k = 0; k <= value.length; k++) {
    const sep = k === value.length || (!inSpan(k) && /[\s,;"'<>()[\]]/.test(value[k] ?? ""));
    if (sep) {
      if (start !== -1) words.push({ start, end: k });
      start = -1;
    } else if (start === -1) start = k;
  }
  for (let w = 0; w < words.length; w++) {
    const word = words[w] as Word;
    const text = value.slice(word.start, word.end);
    const scheme = schemeAt(text);
    if (!scheme) {
      const ref = hostPort(text, offset + word.start, false);
      if (ref) refs.push(ref);
      continue;
    }
    const urlStart = word.start + scheme.index;
    const url = parseAddress(value.slice(urlStart, word.end), "env.url", {
      form: "url",
      offset: offset + urlStart,
      dollarVariables: true,
    });
    if (!url) continue;
    refs.push(url);
    if (url.path !== undefined) continue;
    // A multi-host URL goes on after commas, up to the host that carries the path.
    for (let x = w + 1; x < words.length && value[(words[x - 1] as Word).end] === ","; x++) {
      const next = words[x] as Word;
      const nextText = value.slice(next.start, next.end);
      if (schemeAt(nextText)) break;
      const ref = hostPort(nextText, offset + next.start, true);
      if (!ref) break;
      refs.push(ref);
      w = x;
      if (ref.path !== undefined) break;
    }
  }
  return refs;
}

/** `host:port` (with a path only after a multi-host URL's comma); a bare word or `12:30` is no reference. */
function hostPort(text: string, at: number, continuation: boolean): UpstreamRef | undefined {
  const ref = parseAddress(text, continuation ? "env.url" : "env.hostport", {
    form: "auto",
    offset: at,
    dollarVariables: true,
  });
  if (!ref || ref.port === undefined || /^\d+$/.test(ref.host)) return undefined;
  if (ref.path !== undefined && !continuation) return undefined;
  const literal = ref.host.replace(/\{\{[\s\S]*?\}\}|\$\{[^}]*\}|\{\$?[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, "");
  if (!/^[A-Za-z0-9_.-]*$/.test(literal) || (literal === "" && !ref.templated)) return undefined;
  return ref;
}
