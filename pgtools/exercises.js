// pgtools.exercises front end (anywidget ESM). Plain DOM, no imports, no network.
// The pure grading functions below are exported so tests/test_exercises_agreement.py can run the
// shared cases in tests/exercise_cases.json under node; pgtools/exercises.py mirrors them in Python.
const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NONFINITE = /^[+-]?(nan|inf|infinity)$/i;

export function decodeSpec(code) {
  const [s, p] = code.split(".");
  const bytes = (b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
  const salt = bytes(s), data = bytes(p);
  for (let i = 0; i < data.length; i++) data[i] ^= salt[i % salt.length];
  return JSON.parse(new TextDecoder().decode(data));
}

export function fmt(x) { return String(Number(x.toPrecision(3))); }

// -> {value, ulp} or {error}; ulp is the unit of the last digit as typed ("0.67" -> 0.01), 0 for
// a fraction (exact). Mirrors _read_number in exercises.py.
export function parseNumber(text) {
  const t = String(text ?? "").trim().replace(/\u2212/g, "-");
  if (t === "") return { error: "Please type a number first." };
  if (NONFINITE.test(t)) return { error: `"${t}" is not a finite number; the answer is an ordinary finite number.` };
  const parts = t.split("/");
  if (parts.length > 2 || !parts.every((q) => NUM.test(q.trim())))
    return { error: `I could not read "${t}" as a number. Try something like 0.25, -1e-3 or 1/4.` };
  let v = Number(parts[0].trim()), ulp = 0;
  if (parts.length === 2) {
    const d = Number(parts[1].trim());
    if (d === 0) return { error: "That fraction divides by zero." };
    v = v / d;
  } else {
    const m = NUM.exec(parts[0].trim()), mant = m[1], expo = m[2];
    const dec = mant.includes(".") ? mant.split(".")[1].length : 0;
    ulp = Number(`1e${(expo ? Number(expo.slice(1)) : 0) - dec}`);
  }
  if (!Number.isFinite(v)) return { error: `"${t}" is too large to be a finite number.` };
  return { value: v, ulp };
}

export function parseVector(text) {
  let t = String(text ?? "").trim();
  if (/^[[(].*[\])]$/s.test(t)) t = t.slice(1, -1);
  const toks = t.split(/[\s,;]+/).filter((q) => q !== "");
  if (toks.length === 0) return { error: "Please type some numbers first, e.g. 0.1, 0.2, 0.7." };
  const out = [], ulps = [];
  for (const q of toks) {
    const r = parseNumber(q);
    if (r.error !== undefined) return { error: `Entry "${q}": ${r.error}` };
    out.push(r.value);
    ulps.push(r.ulp);
  }
  return { value: out, ulps };
}

const RIGHT = "Correct, well done!", AGAIN = "Not quite. Have another go, or open a hint.";
const SLACK = 1 + 1e-9;
const isclose = (x, y, rtol, atol) => Math.abs(x - y) <= atol + rtol * Math.abs(y);
const fb = (status, message, details = []) => ({ status, message, details });
// precision: see _precise, _coarse and _window in exercises.py
const precise = (x, ulp, a, need) => need == null || ulp <= need * SLACK || Math.abs(x - a) <= 1e-12 * Math.abs(a);
const coarse = (x, ulp, a, need, lead) => need != null && lead != null && need * SLACK < ulp && ulp <= lead * SLACK
  && Math.abs(x - a) <= 0.5 * ulp * SLACK;
const windowOf = (ulp, need, lead) => (need == null || lead == null || ulp > lead * SLACK ? 0 : 0.5 * ulp * SLACK);
const tooCoarse = (spec) => fb("close", `Right, but rounded too coarsely: give ${spec.need_text}.`);

export function gradeNumeric(spec, text) {
  const r = parseNumber(text);
  if (r.error !== undefined) return fb("invalid", r.error);
  const x = r.value, ulp = r.ulp, a = spec.answer, rt = spec.rtol, at = spec.atol;
  const need = spec.need ?? null, lead = spec.lead ?? null;
  if (isclose(x, a, rt, at) || coarse(x, ulp, a, need, lead)) return precise(x, ulp, a, need) ? fb("correct", RIGHT) : tooCoarse(spec);
  const win = windowOf(ulp, need, lead);
  const near = (v, target) => isclose(v, target, rt, at) || Math.abs(v - target) <= win;
  for (const c of spec.close) if (near(x, c.value)) return fb("close", c.message);
  if (a !== 0 && near(-x, a)) return fb("close", "Close: the size is right but the sign is flipped. Check the sign.");
  for (const [name, f] of spec.factors) {
    if (near(x, a * f)) return fb("close", `Close: you are off by a factor of ${name} (your answer is ${name} times too big or too small).`);
    if (near(x, a / f)) return fb("close", `Close: you are off by a factor of 1/${name} (your answer is ${name} times too big or too small).`);
  }
  return fb("wrong", AGAIN);
}

export function gradeVector(spec, text) {
  const r = parseVector(text);
  if (r.error !== undefined) return fb("invalid", r.error);
  const x = r.value, ulps = r.ulps, a = spec.answer, rt = spec.rtol, at = spec.atol;
  const need = spec.need ?? null, leads = spec.lead ?? a.map(() => null);
  if (x.length !== a.length) return fb("invalid", `Expected ${a.length} numbers, got ${x.length}.`);
  const ok = x.map((v, i) => isclose(v, a[i], rt, at) || coarse(v, ulps[i], a[i], need, leads[i]));
  if (ok.every((o) => o)) return x.every((v, i) => precise(v, ulps[i], a[i], need)) ? fb("correct", RIGHT) : tooCoarse(spec);
  const wins = ulps.map((u, i) => windowOf(u, need, leads[i]));
  const near = (vs, ts, ws) => vs.every((v, i) => isclose(v, ts[i], rt, at) || Math.abs(v - ts[i]) <= ws[i]);
  const nonzero = a.some((v) => !isclose(0, v, rt, at));
  if (nonzero && near(x.map((v) => -v), a, wins)) return fb("close", "Close: every entry has the wrong sign. Check the sign.");
  const order = x.map((_, i) => i).sort((p, q) => x[p] - x[q]);
  if (near(order.map((i) => x[i]), [...a].sort((p, q) => p - q), order.map((i) => wins[i])))
    return fb("close", "Close: right numbers, wrong order.");
  let xa = 0, aa = 0;
  for (let i = 0; i < a.length; i++) { xa += x[i] * a[i]; aa += a[i] * a[i]; }
  const c = aa > 0 ? xa / aa : 0;
  // a factor near +1 is rounding and near -1 a sign flip: neither is a "multiple"
  if (nonzero && Math.abs(c - 1) > 0.05 && Math.abs(c + 1) > 0.05 && c !== 0 && near(x, a.map((v) => c * v), wins))
    return fb("close", `Close: your vector is a multiple of the answer, scaled by about ${fmt(c)}. Check the normalisation.`);
  return fb("wrong", AGAIN);
}

export function gradeChoice(spec, chosen) {
  const n = spec.n, ok = new Set(spec.correct), sel = [...new Set(chosen ?? [])].sort((p, q) => p - q);
  if (sel.length === 0) return fb("invalid", spec.multiple ? "Tick at least one option first." : "Pick an option first.");
  if (sel.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) return fb("invalid", "That option does not exist.");
  if (!spec.multiple && sel.length > 1) return fb("invalid", "Pick just one option.");
  const details = sel.filter((i) => spec.explanations[i]).map((i) => `${String.fromCharCode(65 + i)}: ${spec.explanations[i]}`);
  const right = sel.filter((i) => ok.has(i)).length, wrong = sel.length - right;
  if (right === ok.size && wrong === 0) return fb("correct", RIGHT, details);
  if (!spec.multiple) return fb("wrong", "Not this one. Have another go.", details);
  if (right > 0) return fb("close", `Nearly: ${right} of ${ok.size} correct choices, ${wrong} wrong.`, details);
  return fb("wrong", "None of the options you ticked is correct. Have another go.", details);
}

export function grade(spec, input) {
  if (spec.kind === "numeric") return gradeNumeric(spec, input);
  if (spec.kind === "vector") return gradeVector(spec, input);
  if (spec.kind === "choice") return gradeChoice(spec, input);
  throw new Error(`cannot grade kind ${spec.kind} in the browser`);
}

// ---------------------------------------------------------------------------------------- view
let uid = 0;
const h = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
// A little markdown in prompts, hints, options, solutions and messages: `code`, **bold**, and
// $math$ / $$math$$, built as DOM nodes (never innerHTML). Math goes into the same elements Sphinx
// writes (span.math with \( \)), which the book's MathJax configuration processes.
const INLINE = /(\$\$[^$]+\$\$|\$[^$\n]+\$|`[^`\n]+`|\*\*[^*\n]+\*\*)/;
const rich = (tag, attrs, text) => {
  const e = h(tag, attrs);
  String(text ?? "").split(INLINE).forEach((part, i) => {
    if (i % 2 === 0) { if (part) e.append(part); return; }
    if (part.startsWith("$$")) e.append(h("span", { class: "math notranslate nohighlight" }, `\\[${part.slice(2, -2)}\\]`));
    else if (part.startsWith("$")) e.append(h("span", { class: "math notranslate nohighlight" }, `\\(${part.slice(1, -1)}\\)`));
    else if (part.startsWith("`")) e.append(h("code", {}, part.slice(1, -1)));
    else e.append(h("strong", {}, part.slice(2, -2)));
  });
  return e;
};
// Typeset once MathJax 3 is ready and the element is in the page (the widget manager renders views
// before attaching them). Without a page-level MathJax (e.g. JupyterLab) the TeX stays readable.
const typeset = (el, tries = 40) => {
  const mj = window.MathJax;
  if (!el.isConnected || !mj?.typesetPromise) {
    if (tries > 0) setTimeout(() => typeset(el, tries - 1), 250);
    return;
  }
  (mj.startup?.promise ?? Promise.resolve()).then(() => mj.typesetPromise([el])).catch(() => { /* leave TeX */ });
};

function render({ model, el }) {
  const kind = model.get("kind"), id = `pgx-${++uid}-${Math.random().toString(36).slice(2, 7)}`;
  let spec = {};
  try { spec = decodeSpec(model.get("_spec")); } catch (e) { spec = { hints: [], solution: null }; }
  // With show_prompt off the page's exercise text states the prompt; the box only names itself
  // for screen readers (its prompt trait is then a short plain-text title).
  const showPrompt = model.get("show_prompt") !== false, title = model.get("prompt");
  const root = h("div", { class: `pgx pgx-${kind}`, role: "group" });
  if (model.get("exercise_id")) root.setAttribute("data-exercise", model.get("exercise_id"));
  if (showPrompt) root.setAttribute("aria-labelledby", `${id}-p`);
  else root.setAttribute("aria-label", `Answer box: ${title}`);
  const body = kind === "choice" ? h("fieldset", { class: "pgx-body" }) : h("div", { class: "pgx-body" });
  if (kind === "choice") {
    const legend = showPrompt ? rich("legend", { class: "pgx-prompt", id: `${id}-p` }, title)
      : h("legend", { class: "pgx-legend", id: `${id}-p` }, model.get("multiple") ? "Tick every option that applies:" : "Pick one option:");
    body.append(legend);
  } else if (showPrompt) body.append(rich("div", { class: "pgx-prompt", id: `${id}-p` }, title));
  root.append(body);
  const out = h("div", { class: "pgx-feedback", role: "status", "aria-live": "polite", id: `${id}-f` });
  const check = h("button", { type: "button", class: "pgx-check" }, "Check");
  const show = (f) => {
    out.replaceChildren();
    if (!f || !f.status) { out.className = "pgx-feedback"; return; }
    out.className = `pgx-feedback pgx-${f.status}`;
    out.append(rich("div", { class: "pgx-msg" }, f.message));
    for (const d of f.details ?? []) out.append(kind === "code" ? h("pre", { class: "pgx-detail" }, d) : rich("div", { class: "pgx-detail" }, d));
    typeset(out);
  };
  const record = (f) => { show(f); try { model.set("feedback", f); model.save_changes(); } catch (e) { /* static page */ } };
  let input = null, boxes = [];
  if (kind === "numeric" || kind === "vector") {
    const row = h("div", { class: "pgx-row" });
    input = h("input", { type: "text", id: `${id}-i`, class: "pgx-input", autocomplete: "off", spellcheck: "false",
      "aria-describedby": model.get("precision") ? `${id}-n ${id}-f` : `${id}-f`, placeholder: kind === "vector" ? "e.g. 0.1, 0.2, 0.7" : "e.g. 0.25 or 1/4" });
    row.append(h("label", { for: `${id}-i` }, kind === "vector" ? "Your vector:" : "Your answer:"), input);
    if (model.get("unit")) row.append(h("span", { class: "pgx-unit" }, model.get("unit")));
    if (model.get("precision")) row.append(h("span", { class: "pgx-precision", id: `${id}-n` }, `(${model.get("precision")})`));
    row.append(check);
    body.append(row);
    const go = () => record(grade(spec, input.value));
    check.addEventListener("click", go);
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); go(); } });
  } else if (kind === "choice") {
    const multi = !!model.get("multiple"), options = model.get("options");
    // options without text are the bare labels A, B, ... of a list the page's exercise text shows
    const bare = options.every((t) => !t);
    if (bare) body.classList.add("pgx-bare");
    options.forEach((text, i) => {
      const lab = h("label", { class: "pgx-option" });
      const b = h("input", { type: multi ? "checkbox" : "radio", name: `${id}-o`, value: String(i) });
      const letter = String.fromCharCode(65 + i);
      lab.append(b, rich("span", {}, text ? ` ${letter}. ${text}` : ` ${letter}`));
      boxes.push(b);
      body.append(lab);
    });
    const go = () => record(grade(spec, boxes.flatMap((b, i) => (b.checked ? [i] : []))));
    if (!multi) boxes.forEach((b) => b.addEventListener("change", go));
    boxes.forEach((b) => b.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); go(); } }));
    check.addEventListener("click", go);
    const row = h("div", { class: "pgx-row" });
    row.append(check);
    body.append(row);
  } else if (kind === "code") {
    const note = h("div", { class: "pgx-note", hidden: "" });
    const link = document.querySelector('a[href$=".ipynb"]');
    note.append("Run this notebook (download it with the button at the top of the page) to check your code.");
    if (link) { note.append(" "); note.append(h("a", { href: link.getAttribute("href"), download: "" }, "Download the notebook (.ipynb)")); }
    const row = h("div", { class: "pgx-row" });
    row.append(rich("span", { class: "pgx-code-name" }, `Define \`${model.get("name")}\` in a code cell, run it, then press Check.`), check);
    body.append(row, note);
    let live = false, timer = null;
    const offline = () => { if (!live) { note.hidden = false; row.hidden = true; } };
    model.on("msg:custom", (m) => {
      if (m && (m.type === "pong" || m.type === "checked")) { live = true; clearTimeout(timer); note.hidden = true; row.hidden = false; }
      if (m && m.type === "checked") { check.disabled = false; show(m.feedback); }
    });
    model.on("change:feedback", () => { live = true; clearTimeout(timer); check.disabled = false; show(model.get("feedback")); });
    const ping = (type, wait) => {
      try { model.send({ type }); } catch (e) { /* no kernel */ }
      clearTimeout(timer);
      timer = setTimeout(offline, wait);
    };
    check.addEventListener("click", () => { out.replaceChildren(h("div", {}, "Checking…")); ping("check", 4000); });
    // A page that embeds its saved widget state is the static book (or an exported copy): it
    // never has a kernel, so say so at once. A notebook in Jupyter asks its kernel, and says so
    // only if no answer comes within 1.5 s.
    if (document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]')) offline();
    else ping("ping", 1500);
  }
  body.append(out);
  // hints, one at a time, and the solution on request
  const hints = spec.hints ?? [];
  const extras = h("div", { class: "pgx-extras" });
  if (hints.length) {
    const list = h("ol", { class: "pgx-hints", "aria-live": "polite" });
    const hb = h("button", { type: "button", class: "pgx-hint" }, `Show hint 1 of ${hints.length}`);
    hb.addEventListener("click", () => {
      const k = list.children.length;
      const li = rich("li", {}, hints[k]);
      list.append(li);
      typeset(li);
      if (k + 1 >= hints.length) hb.hidden = true;
      else hb.textContent = `Show hint ${k + 2} of ${hints.length}`;
    });
    extras.append(hb, list);
  }
  if (spec.solution) {
    const sol = rich("div", { class: "pgx-solution", hidden: "", id: `${id}-s` }, spec.solution);
    const sb = h("button", { type: "button", class: "pgx-show-solution", "aria-expanded": "false", "aria-controls": `${id}-s` }, "Show solution");
    sb.addEventListener("click", () => {
      const open = sol.hidden;
      sol.hidden = !open;
      sb.textContent = open ? "Hide solution" : "Show solution";
      sb.setAttribute("aria-expanded", String(open));
      if (open) typeset(sol);
    });
    extras.append(sb, sol);
  }
  if (extras.children.length) body.append(extras);
  if (kind !== "code") show(model.get("feedback"));
  el.append(root);
  typeset(root);
}

export default { render };
