/* global document, window, navigator, location, history, URLSearchParams, DecompressionStream, Response, Blob */
// The report's only script (its sha256 is in the page's Content-Security-Policy). It adds filters
// (kept in the URL hash), copy buttons, diffs drawn from the patch text and print expansion; without
// it the page still shows everything, the patches as plain text.
(() => {
  "use strict";
  // A catalogue's report packs its findings (gzip, base64): unpack them into the page, then start.
  const packed = document.getElementById("findings-packed");
  if (!packed) return start();
  if (typeof DecompressionStream !== "function") {
    packed.insertAdjacentHTML(
      "afterend",
      '<p class="problem">This browser cannot unpack the findings (no DecompressionStream): read findings.json.</p>',
    );
    return start();
  }
  const bytes = Uint8Array.from(window.atob(packed.textContent), (c) => c.charCodeAt(0));
  const html = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  html.then(
    (text) => {
      // The markup redfix wrote and escaped itself, as it would stand in the page unpacked.
      packed.insertAdjacentHTML("afterend", text);
      packed.remove();
      start();
    },
    (e) => {
      packed.insertAdjacentHTML("afterend", '<p class="problem">The findings could not be unpacked.</p>');
      window.console.error(e);
      start();
    },
  );

  function start() {
    const form = document.getElementById("filters");
    const output = document.getElementById("shown");
    const none = document.getElementById("none-shown");
    const summaryText = output ? output.textContent : "";
    const findings = Array.from(document.querySelectorAll("article.finding"));
    const rows = Array.from(document.querySelectorAll("#board tbody tr"));
    const selects = form ? Array.from(form.querySelectorAll("select[data-filter]")) : [];
    const boardItems = new Map();
    // A board item names its finding by data-finding, or by its link when that is all it holds.
    for (const item of document.querySelectorAll("#board [data-finding], #board td:nth-child(2) li")) {
      const link = item.querySelector("a");
      const id = item.dataset.finding || (link ? link.getAttribute("href").slice(1) : "");
      const list = boardItems.get(id) || [];
      list.push(item);
      boardItems.set(id, list);
    }
    const FILTER = "filter:";

    // A finding is shown when it matches every chosen filter; a recipe row when one of its findings is.
    function apply() {
      const wanted = selects.filter((s) => s.value !== "").map((s) => [s.dataset.filter, s.value]);
      const recipes = new Set();
      let shown = 0;
      for (const f of findings) {
        const ok = wanted.every(([key, value]) => f.dataset[key] === value);
        f.classList.toggle("filtered-out", !ok);
        for (const item of boardItems.get(f.id) || []) item.classList.toggle("filtered-out", !ok);
        if (ok) {
          shown++;
          recipes.add(f.dataset.recipe);
        }
      }
      // Recipes without findings stay listed until a filter asks for findings.
      for (const row of rows)
        row.classList.toggle("filtered-out", wanted.length > 0 && !recipes.has(row.dataset.recipe));
      none.hidden = shown > 0;
      output.textContent =
        wanted.length === 0
          ? summaryText
          : `Showing ${shown} of ${findings.length} findings in ${recipes.size} of ${rows.length} recipes`;
      return wanted;
    }

    // The filters live in the hash (#filter:rule=RF110&severity=error), so a filtered view is a link.
    function saveHash(wanted) {
      const base = location.href.split("#")[0];
      const state = new URLSearchParams(wanted).toString();
      history.replaceState(null, "", state ? `${base}#${FILTER}${state}` : base);
    }

    function fromHash() {
      let hash = location.hash.slice(1);
      try {
        hash = decodeURIComponent(hash);
      } catch {
        return;
      }
      if (hash.startsWith(FILTER)) {
        const params = new URLSearchParams(hash.slice(FILTER.length));
        for (const s of selects) {
          const v = params.get(s.dataset.filter) || "";
          s.value = Array.from(s.options).some((o) => o.value === v) ? v : "";
        }
        apply();
        return;
      }
      // A link to a finding or a rule opens it.
      const target = hash ? document.getElementById(hash) : null;
      if (!target) return;
      const details = target.matches("details") ? target : target.querySelector(":scope > details");
      if (details && !details.open) {
        details.open = true;
        target.scrollIntoView();
      }
    }

    if (form) {
      form.hidden = false;
      form.addEventListener("change", () => saveHash(apply()));
      form.addEventListener("submit", (e) => e.preventDefault());
      // "reset" fires before the controls change back.
      form.addEventListener("reset", () => window.setTimeout(() => saveHash(apply()), 0));
      apply();
    }
    window.addEventListener("hashchange", fromHash);
    fromHash();

    // A unified diff drawn from the patch text: one line per row, old and new line numbers, added and
    // removed lines marked. Built with textContent only: the patch is data, never markup.
    function drawDiff(pre) {
      if (pre.classList.contains("diff-view")) return;
      const lines = pre.textContent.split("\n");
      if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
      const rows = document.createDocumentFragment();
      let oldNo = 0;
      let newNo = 0;
      let inHunk = false;
      for (const text of lines) {
        let kind = "ctx";
        let a = "";
        let b = "";
        const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
        if (hunk) {
          kind = "hunk";
          oldNo = Number(hunk[1]);
          newNo = Number(hunk[2]);
          inHunk = true;
        } else if (text.startsWith("diff --git ")) {
          kind = "meta";
          inHunk = false;
        } else if (!inHunk || text.startsWith("\\")) kind = "meta";
        else if (text.startsWith("+")) {
          kind = "add";
          b = newNo++;
        } else if (text.startsWith("-")) {
          kind = "del";
          a = oldNo++;
        } else {
          a = oldNo++;
          b = newNo++;
        }
        const row = document.createElement("span");
        row.className = `d-${kind}`;
        const na = document.createElement("i");
        na.textContent = String(a);
        const nb = document.createElement("i");
        nb.textContent = String(b);
        row.append(na, nb, document.createTextNode(text));
        rows.append(row);
      }
      pre.replaceChildren(rows);
      pre.classList.add("diff-view");
    }
    function drawDiffs(root) {
      for (const pre of root.querySelectorAll("pre.patch")) drawDiff(pre);
    }
    // "toggle" does not bubble: listen in the capture phase for every <details> of the page.
    document.addEventListener(
      "toggle",
      (e) => {
        if (e.target.open) drawDiffs(e.target);
      },
      true,
    );
    for (const d of document.querySelectorAll("details[open]")) drawDiffs(d);

    for (const button of document.querySelectorAll("button[data-copy]")) {
      const code = document.getElementById(button.dataset.copy);
      const status = button.nextElementSibling;
      if (!code) continue;
      button.hidden = false;
      button.addEventListener("click", () => {
        const select = () => {
          const range = document.createRange();
          range.selectNodeContents(code);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          status.textContent = "Selected: press Ctrl+C to copy.";
        };
        if (!navigator.clipboard) return select();
        navigator.clipboard.writeText(code.textContent).then(() => {
          status.textContent = "Copied.";
        }, select);
      });
    }

    // Printed reports show every finding, log and rule text: open all <details> for printing, then restore.
    const opened = [];
    window.addEventListener("beforeprint", () => {
      for (const d of document.querySelectorAll("details:not([open])")) {
        d.open = true;
        opened.push(d);
      }
      drawDiffs(document);
    });
    window.addEventListener("afterprint", () => {
      for (const d of opened.splice(0)) d.open = false;
    });
    // For tests and the benchmark: when the findings are on the page and the script is ready.
    document.documentElement.dataset.readyMs = String(Math.round(window.performance.now()));
    // The findings are on the page: review.js (the patch decisions) starts on this.
    document.dispatchEvent(new window.Event("redfix:findings"));
  }
})();
