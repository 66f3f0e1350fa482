// pgtools.explorer front end (anywidget ESM). Plain DOM, no imports, no network.
// The figures are drawn by Python (pgtools/explorer.py): one SVG frame per grid state, stored in
// the widget state as base64 of its zlib ("deflate") compression. This file only swaps them; it
// computes nothing about the mathematics. With a live kernel (it answers a "ping"), sliders also
// take values between the grid points, and the kernel sends the frame it drew ("_live").
let uid = 0;
const h = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

export async function inflate(code) {
  const bytes = Uint8Array.from(atob(code), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return await new Response(stream).text();
}

export const svgUrl = (svg) => "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);

const same = (a, b) => (typeof a === "number" && typeof b === "number"
  ? Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12 : a === b);

export const sameValues = (u, v) => !!u && !!v && Object.keys(v).length === Object.keys(u).length
  && Object.keys(v).every((k) => same(u[k], v[k]));

const gridOf = (c) => (c.kind === "choice" ? c.values : c.grid);

// grid position of a control's value, or -1 when it is off the grid
export function gridIndex(c, v) {
  return gridOf(c).findIndex((w) => same(v, w));
}

// the grid value nearest to v (half-way: the upper one), as Slider.snap does in Python
export function nearest(c, v) {
  let best = c.grid[0];
  for (const g of c.grid) if (Math.abs(g - v) <= Math.abs(best - v) + 1e-12) best = g;
  return best;
}

// static page: where a slider moved to raw lands. The nearest grid value, unless that is
// where it started and raw is one fine step away (an arrow key): then the next grid value
// that way, so every key press moves the picture.
export function snapSlider(c, raw, current) {
  const v = nearest(c, raw);
  if (!same(v, current) || same(raw, current) || Math.abs(raw - current) > 1.5 * c.step) return v;
  const up = raw > current;
  const next = up ? c.grid.find((g) => g > current + 1e-12) : [...c.grid].reverse().find((g) => g < current - 1e-12);
  return next === undefined ? v : next;
}

// row-major over the controls, the last one fastest (FrameExplorer.frame_index); -1 if off grid
export function frameIndex(controls, values) {
  let index = 0;
  for (const c of controls) {
    const i = gridIndex(c, values[c.name]);
    if (i < 0) return -1;
    index = index * gridOf(c).length + i;
  }
  return index;
}

// the grid state nearest to values (what the static page shows)
export function snapValues(controls, values) {
  const out = { ...values };
  for (const c of controls) if (c.kind === "slider") out[c.name] = nearest(c, values[c.name]);
  return out;
}

function render({ model, el }) {
  const controls = model.get("_controls"), frames = model.get("_frames"), alts = model.get("_alts");
  const size = model.get("_size") || [];
  const id = `pgxp-${++uid}-${Math.random().toString(36).slice(2, 7)}`;
  let values = { ...model.get("values") }, live = false, token = 0, announceTimer = null;
  const root = h("div", { class: "pgxp", role: "group", "aria-label": model.get("label") });
  const bar = h("div", { class: "pgxp-controls" });
  const parts = {};
  const readout = (c, v) => (c.kind === "choice" ? c.labels[Math.max(0, gridIndex(c, v))]
    : Number(v).toFixed(c.decimals));
  const setControl = (c) => {
    const { input, out } = parts[c.name], v = values[c.name];
    input.value = c.kind === "choice" ? String(Math.max(0, gridIndex(c, v))) : String(v);
    const text = readout(c, v);
    if (out) out.textContent = text;
    if (input.tagName === "INPUT") input.setAttribute("aria-valuetext", text);
  };
  const readControl = (c) => {
    const { input } = parts[c.name];
    if (c.kind === "choice") return c.values[Number(input.value)];
    const raw = Number(input.value);
    if (!live) return snapSlider(c, raw, values[c.name]);
    const k = Math.round((raw - c.min) / c.step);  // a kernel draws every lattice value
    return Number((c.min + k * c.step).toFixed(c.decimals));
  };
  controls.forEach((c, k) => {
    const cid = `${id}-c${k}`;
    const dropdown = c.kind === "choice" && c.style === "dropdown";
    const box = h("div", { class: `pgxp-control ${dropdown ? "pgxp-dropdown" : "pgxp-slider"}` });
    let input, out = null;
    if (dropdown) {
      input = h("select", { id: cid, class: "pgxp-select" });
      c.labels.forEach((t, i) => input.append(h("option", { value: String(i) }, t)));
    } else {
      const [lo, hi, st] = c.kind === "choice" ? [0, c.values.length - 1, 1] : [c.min, c.max, c.uniform ?? c.step];
      input = h("input", { type: "range", id: cid, class: "pgxp-range", min: lo, max: hi, step: st });
      out = h("output", { for: cid, class: "pgxp-readout", "aria-hidden": "true" });
    }
    box.append(h("label", { for: cid, class: "pgxp-label" }, c.label), input);
    if (out) box.append(out);
    bar.append(box);
    parts[c.name] = { input, out };
    input.addEventListener(dropdown ? "change" : "input", () => moved(c));
  });
  const figure = h("figure", { class: "pgxp-figure" });
  const img = h("img", { class: "pgxp-img", alt: "", width: size[0] ? String(Math.round(size[0])) : null,
    height: size[1] ? String(Math.round(size[1])) : null });
  figure.append(img);
  const sr = h("div", { class: "pgxp-sr", "aria-live": "polite" });
  root.append(bar, figure, sr);
  // Keys pressed on a control belong to it: JupyterLab's shortcuts (and the book's page turns)
  // must not take them (Lumino honours data-lm-suppress-shortcuts and bubbling keydown).
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  bar.addEventListener("keydown", (e) => e.stopPropagation());

  const urls = new Map();
  const url = (i) => {
    if (!urls.has(i)) urls.set(i, inflate(frames[i]).then(svgUrl));
    return urls.get(i);
  };
  const show = async () => {
    const mine = ++token;
    let i = frameIndex(controls, values), src, alt, busy = false;
    if (i >= 0) {
      [src, alt] = [await url(i), alts[i]];
    } else {
      const lv = model.get("_live");
      if (lv && lv.frame && sameValues(lv.values, values)) {
        [src, alt, i] = [svgUrl(await inflate(lv.frame)), lv.alt, "live"];
      } else {  // off the grid: the kernel is drawing it; meanwhile the nearest grid frame
        i = frameIndex(controls, snapValues(controls, values));
        [src, alt, busy] = [await url(i), alts[i], true];
      }
    }
    if (mine !== token) return;  // a later move has already been drawn
    img.src = src;
    img.alt = alt;
    img.dataset.frame = String(i);
    root.setAttribute("aria-busy", String(busy));
    try { await img.decode(); } catch (e) { /* detached view */ }
    if (mine !== token) return;
    root.dispatchEvent(new CustomEvent("pgxp-drawn", { bubbles: true, detail: { frame: i } }));
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => { sr.textContent = alt; }, 600);
  };
  const moved = (c) => {
    values = { ...values, [c.name]: readControl(c) };
    setControl(c);
    show();
    try { model.set("values", { ...values }); model.save_changes(); } catch (e) { /* static page */ }
  };
  const onValues = () => {
    const v = model.get("values");
    if (sameValues(v, values)) return;
    values = { ...v };
    controls.forEach(setControl);
    show();
  };
  const onLive = () => { if (frameIndex(controls, values) < 0) show(); };
  const onMsg = (m) => {
    if (!m || m.type !== "pong" || live) return;
    live = true;  // a kernel is listening: sliders may take every value of their fine step
    for (const c of controls) if (c.kind === "slider") parts[c.name].input.step = String(c.step);
  };
  model.on("change:values", onValues);
  model.on("change:_live", onLive);
  model.on("msg:custom", onMsg);
  try { model.send({ type: "ping" }); } catch (e) { /* no kernel */ }
  controls.forEach(setControl);
  el.append(root);
  show().then(() => {  // decode the other frames while the reader looks at the first one
    let k = 0;
    const next = () => { if (k < frames.length) url(k++).then(() => setTimeout(next, 0)); };
    next();
  });
  return () => {
    model.off("change:values", onValues);
    model.off("change:_live", onLive);
    model.off("msg:custom", onMsg);
  };
}

export default { render };
