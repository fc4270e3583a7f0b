/* global document, window, Blob, URL */
// Review decisions (templates/report/decision.hbs): accept, reject or defer each patch and save the
// result as review.json, which `redfix apply` reads from the run directory. Nothing leaves the page:
// the file is made here and downloaded.
(() => {
  "use strict";
  // A catalogue's report packs its findings, and report.js puts them on the page later: start then.
  if (document.getElementById("findings-packed"))
    document.addEventListener("redfix:findings", run, { once: true });
  else run();

  function run() {
    const sets = Array.from(document.querySelectorAll("fieldset.decision[data-patch]"));
    if (sets.length === 0) return;
    const main = document.querySelector("main");
    const bar = document.createElement("section");
    bar.className = "review-bar";
    bar.setAttribute("aria-label", "Review");
    const who = document.createElement("input");
    who.type = "text";
    who.maxLength = 100;
    who.value = sets.map((s) => s.dataset.by).find((b) => b) || "";
    const whoLabel = document.createElement("label");
    whoLabel.append("Reviewer ", who);
    const save = document.createElement("button");
    save.type = "button";
    save.textContent = "Save review.json";
    const status = document.createElement("span");
    status.setAttribute("role", "status");
    bar.append(whoLabel, " ", save, " ", status);
    // After the findings' heading: the filters and the board come first, in the page and in tab order.
    const heading = document.getElementById("findings-h");
    if (heading) heading.after(bar);
    else main.append(bar);

    // One patch may fix several findings: its decision shows under each, kept in step.
    const byPatch = new Map();
    for (const s of sets) byPatch.set(s.dataset.patch, (byPatch.get(s.dataset.patch) || []).concat(s));
    for (const s of sets) {
      s.addEventListener("change", (e) => {
        for (const other of byPatch.get(s.dataset.patch)) {
          if (other === s) continue;
          if (e.target.type === "radio")
            for (const r of other.querySelectorAll("input[type=radio]"))
              r.checked = r.value === e.target.value;
          else other.querySelector(".decision-note input").value = e.target.value;
        }
        status.textContent = "Unsaved changes.";
      });
    }

    save.addEventListener("click", () => {
      const decisions = {};
      for (const patch of Array.from(byPatch.keys()).sort()) {
        const s = byPatch.get(patch)[0];
        const chosen = s.querySelector("input[type=radio]:checked");
        if (!chosen || chosen.value === "") continue;
        const d = {
          decision: chosen.value,
          by: who.value.trim() || "report",
          note: s.querySelector(".decision-note input").value.trim(),
        };
        if (s.dataset.sha256) d.sha256 = s.dataset.sha256;
        decisions[patch] = d;
      }
      const text = `${JSON.stringify({ decisions }, null, 2)}\n`;
      const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = "review.json";
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
      status.textContent = `review.json with ${Object.keys(decisions).length} decisions: save it in the run directory.`;
    });
  }
})();
