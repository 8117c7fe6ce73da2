// A picture pane that any graph fits: the SVG drawn to the pane's size (its viewBox is
// the part of the picture in view), moved by dragging or the arrow keys, zoomed by the
// wheel, a pinch, + and −, and fitted whole again by "fit" (or 0).

const MAX_FIT = 1.5; // a small picture is not blown up past this when fitted
const MIN_SCALE = 0.02, MAX_SCALE = 8;

export class Viewer {
  constructor(pane) {
    this.pane = pane;
    this.svg = null;
    this.full = null; // the whole picture, in its own units
    this.view = null; // the part in view {x, y, w, h}; w/h is the pane's aspect
    this.fitted = true;
    this.pointers = new Map();
    pane.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    pane.addEventListener("pointerdown", (e) => this.onDown(e));
    pane.addEventListener("pointermove", (e) => this.onMove(e));
    for (const end of ["pointerup", "pointercancel", "pointerleave"]) pane.addEventListener(end, (e) => this.pointers.delete(e.pointerId));
    pane.addEventListener("keydown", (e) => this.onKey(e));
    new ResizeObserver(() => (this.fitted ? this.fit() : this.apply())).observe(pane);
  }

  /** Show `svgText` (or an element) fitted to the pane; returns the <svg>. */
  show(content) {
    this.pane.textContent = "";
    if (typeof content === "string") this.pane.innerHTML = content;
    else this.pane.append(content);
    this.svg = this.pane.querySelector("svg");
    if (!this.svg) return null;
    const box = this.svg.viewBox.baseVal;
    const w = box && box.width ? box.width : this.svg.getBBox().width, h = box && box.height ? box.height : this.svg.getBBox().height;
    this.full = { x: box && box.width ? box.x : 0, y: box && box.height ? box.y : 0, w, h };
    this.svg.removeAttribute("width");
    this.svg.removeAttribute("height");
    this.svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    this.fit();
    return this.svg;
  }

  clear(text = "") {
    this.svg = null;
    this.pane.textContent = "";
    if (text) {
      const p = document.createElement("p");
      p.className = "empty";
      p.textContent = text;
      this.pane.append(p);
    }
  }

  size() {
    return { pw: Math.max(1, this.pane.clientWidth), ph: Math.max(1, this.pane.clientHeight) };
  }

  /** The whole picture in view, centred, not enlarged past MAX_FIT. */
  fit() {
    if (!this.svg) return;
    const { pw, ph } = this.size(), f = this.full;
    const scale = Math.min(pw / f.w, ph / f.h, MAX_FIT);
    this.view = { x: f.x - (pw / scale - f.w) / 2, y: f.y - (ph / scale - f.h) / 2, w: pw / scale, h: ph / scale };
    this.fitted = true;
    this.apply();
  }

  apply() {
    if (!this.svg || !this.view) return;
    const { pw, ph } = this.size(), v = this.view;
    const scale = pw / v.w; // keep the scale when the pane changes size
    v.h = ph / scale;
    this.svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
  }

  scale() {
    return this.view ? this.size().pw / this.view.w : 1;
  }

  /** Zoom by `factor` about the pane's point (px, py) (default: its middle). */
  zoom(factor, px, py) {
    if (!this.view) return;
    const { pw, ph } = this.size(), v = this.view;
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.scale() * factor));
    px = px ?? pw / 2;
    py = py ?? ph / 2;
    const ux = v.x + (px / pw) * v.w, uy = v.y + (py / ph) * v.h; // the picture's point under (px, py) stays
    v.w = pw / scale;
    v.h = ph / scale;
    v.x = ux - (px / pw) * v.w;
    v.y = uy - (py / ph) * v.h;
    this.fitted = false;
    this.apply();
  }

  /** Move the picture by (dx, dy) pane pixels. */
  pan(dx, dy) {
    if (!this.view) return;
    const s = this.scale();
    this.view.x -= dx / s;
    this.view.y -= dy / s;
    this.fitted = false;
    this.apply();
  }

  /** Bring `element` (inside the picture) into view, zooming in to a readable size if need be. */
  follow(element, readable = 0.8) {
    if (!this.svg || !element) return;
    const pane = this.pane.getBoundingClientRect(), box = element.getBoundingClientRect();
    if (this.scale() < readable) {
      this.zoom(readable / this.scale(), box.left + box.width / 2 - pane.left, box.top + box.height / 2 - pane.top);
      return this.follow(element, readable);
    }
    const inside = box.left >= pane.left && box.right <= pane.right && box.top >= pane.top && box.bottom <= pane.bottom;
    if (!inside) this.pan(pane.left + pane.width / 2 - (box.left + box.width / 2), pane.top + pane.height / 2 - (box.top + box.height / 2));
  }

  onWheel(e) {
    if (!this.svg) return;
    e.preventDefault();
    const r = this.pane.getBoundingClientRect();
    this.zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
  }

  onDown(e) {
    if (!this.svg) return;
    this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    this.pane.setPointerCapture?.(e.pointerId);
  }

  onMove(e) {
    const last = this.pointers.get(e.pointerId);
    if (!last) return;
    const now = { x: e.clientX, y: e.clientY };
    if (this.pointers.size === 2) { // a pinch: zoom by the change in the fingers' distance
      const other = [...this.pointers.entries()].find(([id]) => id !== e.pointerId)[1];
      const before = Math.hypot(last.x - other.x, last.y - other.y), after = Math.hypot(now.x - other.x, now.y - other.y);
      const r = this.pane.getBoundingClientRect();
      if (before > 0) this.zoom(after / before, (now.x + other.x) / 2 - r.left, (now.y + other.y) / 2 - r.top);
    } else {
      this.pan(now.x - last.x, now.y - last.y);
    }
    this.pointers.set(e.pointerId, now);
  }

  onKey(e) {
    const { pw, ph } = this.size();
    const moves = { ArrowLeft: [pw / 8, 0], ArrowRight: [-pw / 8, 0], ArrowUp: [0, ph / 8], ArrowDown: [0, -ph / 8] };
    if (moves[e.key]) this.pan(...moves[e.key]);
    else if (e.key === "+" || e.key === "=") this.zoom(1.25);
    else if (e.key === "-" || e.key === "−") this.zoom(0.8);
    else if (e.key === "0") this.fit();
    else return;
    e.preventDefault();
  }
}
