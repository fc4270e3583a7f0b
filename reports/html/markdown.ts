/**
 * Rule docs are markdown (RuleMeta.docs, SARIF `help.markdown`). The report renders the small subset
 * rule docs use — headings, paragraphs, lists, fenced code, `code`, **bold**, [links](http…) — and
 * escapes every piece of text, so the output is markup built only from escaped text and safe links.
 */
import { externalHref } from "./paths.js";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function markdownToHtml(md: string): string {
  const out: string[] = [];
  const lines = md.replace(/\r\n?/g, "\n").split("\n");
  // Rule docs sit under the finding's own heading (h3): their top heading level becomes h4.
  const levels = lines.map((l) => /^(#{1,6})\s/.exec(l)?.[1]!.length ?? 7);
  const shift = 4 - Math.min(7, ...levels);
  let para: string[] = [];
  let list: { tag: "ul" | "ol"; items: string[] } | null = null;
  const flush = (): void => {
    if (para.length) out.push(`<p>${inline(para.join(" "))}</p>`);
    para = [];
    if (list)
      out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(i)}</li>`).join("")}</${list.tag}>`);
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!); i++) code.push(lines[i]!);
      out.push(`<pre><code>${escapeHtml(code.join("\n"))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*([-*]|\d+[.)])\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1]!.length + shift);
      out.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
    } else if (item) {
      if (para.length) flush();
      const tag = /\d/.test(item[1]!) ? "ol" : "ul";
      if (list && list.tag !== tag) flush();
      list ??= { tag, items: [] };
      list.items.push(item[2]!);
    } else if (line.trim() === "") {
      flush();
    } else if (list && /^\s+\S/.test(line)) {
      list.items[list.items.length - 1] += ` ${line.trim()}`;
    } else {
      if (list) flush();
      para.push(line.trim());
    }
  }
  flush();
  return out.join("\n");
}

// Link targets may hold one level of parentheses, as URLs of wiki pages (and `alert(1)`) do.
const INLINE = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)/g;

function inline(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    out += escapeHtml(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined) out += `<code>${escapeHtml(m[1])}</code>`;
    else if (m[2] !== undefined) out += `<strong>${escapeHtml(m[2])}</strong>`;
    else {
      const href = externalHref(m[4]);
      out += href
        ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(m[3]!)}</a>`
        : escapeHtml(m[3]!);
    }
  }
  return out + escapeHtml(text.slice(last));
}
