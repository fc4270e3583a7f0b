/* global document, window, navigator */
// The report's only script (its sha256 is in the page's Content-Security-Policy). It adds filters,
// copy buttons and print expansion; without it the page still shows everything.
(() => {
  "use strict";
  const form = document.getElementById("filters");
  const output = document.getElementById("shown");
  const none = document.getElementById("none-shown");
  const findings = Array.from(document.querySelectorAll("article.finding"));
  const rows = Array.from(document.querySelectorAll("#board tbody tr"));
  const boardItems = new Map();
  for (const item of document.querySelectorAll("#board [data-finding]")) {
    const list = boardItems.get(item.dataset.finding) || [];
    list.push(item);
    boardItems.set(item.dataset.finding, list);
  }

  // A finding is shown when it matches every chosen filter; a recipe row when one of its findings is.
  function apply() {
    const wanted = Array.from(form.querySelectorAll("select[data-filter]"))
      .filter((s) => s.value !== "")
      .map((s) => [s.dataset.filter, s.value]);
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
        ? ""
        : `Showing ${shown} of ${findings.length} findings in ${recipes.size} of ${rows.length} recipes`;
  }

  if (form) {
    form.hidden = false;
    form.addEventListener("change", apply);
    form.addEventListener("submit", (e) => e.preventDefault());
    // "reset" fires before the controls change back.
    form.addEventListener("reset", () => window.setTimeout(apply, 0));
    apply();
  }

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

  // Printed reports show every log and rule text: open all <details> for printing, then restore.
  const opened = [];
  window.addEventListener("beforeprint", () => {
    for (const d of document.querySelectorAll("details:not([open])")) {
      d.open = true;
      opened.push(d);
    }
  });
  window.addEventListener("afterprint", () => {
    for (const d of opened.splice(0)) d.open = false;
  });
})();
