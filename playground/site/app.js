// The page: the editor, Run and Stop, the output, and the picture of the cell's last
// expression (fitted to its pane: viewer.js); Python itself runs in worker.js. The
// learner's code is kept in this browser per example (store.js) and can be shared as
// a link; "Your turn" is exercise.js. build.py bundles this file with the editor.
import { createEditor } from "../src/editor.js";
import { Exercise } from "./exercise.js";
import * as store from "./store.js";
import { Viewer } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const output = $("output"), status = $("status"), text = $("text");
const viewer = new Viewer($("graph"));
const TITLES = {
  "alice.py": "The Alice network", "derivation.py": "Alice: ∂L/∂w1 by the chain rule",
  "your_turn.py": "Your turn: Alice's ∂L/∂w1", "neuron.py": "The documents' neuron",
  "lecture.py": "micrograd's lecture neuron, step by step", "mlp.py": "A small MLP, trained",
  "check_engine.py": "Check your own engine", "shared": "Shared code (from a link)",
};
const ORDER = ["alice.py", "derivation.py", "your_turn.py", "neuron.py", "lecture.py", "mlp.py", "check_engine.py"];

let worker = null, running = null, nextId = 0, lastKind = null, example = null, saving = null;
const originals = new Map(); // example -> its code as it came

const editor = createEditor($("editor"), {
  onRun: () => runCell(),
  onChange: (code) => { // kept in this browser as it is typed (a reload brings it back)
    clearTimeout(saving);
    const key = example;
    saving = setTimeout(() => key && store.save(`code.${key}`, code), 250);
  },
});

function setStatus(words, kind = "") {
  status.textContent = words;
  status.className = kind;
  const ready = words === "ready";
  $("run").disabled = !ready;
  $("your-turn").disabled = !ready || lastKind !== "value";
  $("stop").disabled = words !== "running";
}

function say(words) { // a short message, announced
  $("said").textContent = words;
}

function startWorker() {
  setStatus("loading Python…");
  worker = new Worker("worker.js", { type: "module" });
  worker.onmessage = ({ data }) => {
    if (data.type === "ready") setStatus("ready", "ready");
    else if (data.type === "failed") { setStatus("failed to load", "error"); write(data.error, "error"); }
    else if (data.type === "stdout") write(data.text);
    else if (data.type === "display") display(data.shown);
    else if (data.type === "loading") setStatus(data.text, "running");
    else if (data.type === "result" && running && data.id === running.id) {
      const done = running.done;
      running = null;
      setStatus("ready", "ready");
      done(data);
    }
  };
}

function write(words, kind = "") {
  if (kind === "error" && output.textContent && !output.textContent.endsWith("\n")) words = "\n" + words;
  const span = document.createElement("span");
  if (kind) span.className = kind;
  span.textContent = words;
  output.append(span);
  output.scrollTop = output.scrollHeight;
}

/** show(x) in a cell: a picture or a text in the output, where the cell is. */
function display(shown) {
  const item = document.createElement("div");
  item.className = "display";
  if (shown.svg) {
    item.innerHTML = shown.svg;
    const svg = item.querySelector("svg");
    if (svg) svg.setAttribute("role", svg.getAttribute("role") || "img");
  } else item.textContent = shown.text || "";
  output.append(item);
  output.scrollTop = output.scrollHeight;
}

function run(source) {
  if (!worker || running || status.textContent !== "ready") return Promise.resolve(null);
  return new Promise((done) => {
    running = { id: nextId++, done };
    setStatus("running", "running");
    worker.postMessage({ id: running.id, code: source });
  });
}

/** A clean pane: no picture, text, exercise or note left from an earlier cell. */
function clearPane(words = "") {
  $("exercise").hidden = true;
  $("feedback").textContent = "";
  text.hidden = true;
  text.textContent = "";
  text.className = "";
  $("note").textContent = "";
  $("graph").classList.remove("frame");
  viewer.clear(words);
  pictureControls();
  lastKind = null;
  $("your-turn").disabled = true;
}

async function runCell() {
  if (running) return;
  output.textContent = "";
  clearPane();
  const result = await run(editor.get());
  if (!result) return;
  if (!result.ok) {
    write(result.error, "error");
    clearPane("The cell failed: see its traceback in the output.");
    return;
  }
  show(result.shown);
}

function stop() {
  if (!running) return;
  worker.terminate();
  running = null;
  write("\nStopped: the cell was ended, and Python started afresh (its variables are gone).\n", "error");
  clearPane();
  startWorker();
}

function pictureControls() { // −, +, fit: only for a picture in the pane
  for (const id of ["zoom-out", "zoom-in", "fit"]) $(id).disabled = !viewer.svg;
}

function showText(words, kind = "") {
  text.hidden = false;
  text.textContent = words;
  text.className = kind;
}

function show(shown) {
  clearPane();
  if (!shown) return;
  if (shown.kind === "svg") {
    viewer.show(shown.svg);
    lastKind = shown.value ? "value" : "picture";
    $("note").textContent = shown.value ? shown.text : "";
  } else if (shown.kind === "derivation") {
    showText(shown.text);
    viewer.show(shown.svg);
  } else if (shown.kind === "report") {
    showText(shown.text, "terminal");
    if (shown.svg) {
      viewer.show(shown.svg);
      $("note").textContent = "the smallest wrong expression: chainrule's gradient in each box, yours in its label";
    } else viewer.clear(shown.ok ? "✓ no wrong gradient to draw" : "");
  } else if (shown.kind === "page") {
    const frame = document.createElement("iframe");
    frame.title = "step by step";
    // the step-by-step page, with the page's font for its pictures (its links resolve here;
    // its own policy, which allows nothing from outside, is widened to this folder's fonts)
    frame.srcdoc = shown.html
      .replace("style-src 'unsafe-inline'", "style-src 'self' 'unsafe-inline'; font-src 'self'")
      .replace("</head>", '<link rel="stylesheet" href="fonts.css">\n</head>');
    $("graph").classList.add("frame");
    viewer.clear();
    $("graph").append(frame);
  } else if (shown.kind === "exercise") {
    new Exercise(shown, viewer, (words, kind) => {
      $("feedback").textContent = words;
      $("feedback").className = kind;
    });
  } else {
    showText(shown.text);
  }
  pictureControls();
  $("your-turn").disabled = status.textContent !== "ready" || lastKind !== "value";
  if (matchMedia("(max-width: 900px)").matches) // stacked: the picture is below the fold
    document.querySelector(".right").scrollIntoView({ block: "start", behavior: "instant" });
}

async function yourTurn() {
  const result = await run("your_turn(_)");
  if (result && result.ok) show(result.shown);
  else if (result) write(result.error, "error");
}

// -- examples, kept code, share links -------------------------------------------------

function addOption(name) {
  const option = document.createElement("option");
  option.value = name;
  option.textContent = TITLES[name] || name;
  $("examples").append(option);
  return option;
}

async function original(name) {
  if (!originals.has(name)) originals.set(name, await (await fetch(`examples/${name}`)).text());
  return originals.get(name);
}

async function openExample(name) {
  clearTimeout(saving);
  example = name;
  $("examples").value = name;
  store.save("example", name);
  const kept = store.load(`code.${name}`);
  const code = kept ?? (name === "shared" ? "" : await original(name));
  if (example === name) editor.set(code);
  $("reset").disabled = name === "shared";
}

async function reset() {
  if (!example || example === "shared") return;
  const code = await original(example);
  if (editor.get() === code) return;
  if (!confirm("Put this example back as it came? Your edits to it are lost.")) return;
  editor.set(code);
  store.save(`code.${example}`, null);
  say("the example is back as it came");
}

async function share() {
  const fragment = await store.encode(editor.get());
  history.replaceState(null, "", `#${fragment}`);
  let copied = false;
  try { await navigator.clipboard.writeText(location.href); copied = true; } catch { /* not allowed here */ }
  say(copied ? "link copied: it is in the address bar too" : "the link is in the address bar: copy it from there");
}

async function start() {
  const manifest = await (await fetch("manifest.json")).json();
  const names = [...ORDER.filter((n) => manifest.examples.includes(n)), ...manifest.examples.filter((n) => !ORDER.includes(n))];
  for (const name of names) addOption(name);
  let shared = null;
  try { shared = await store.decode(location.hash); } catch {
    write("This link's code could not be read (the link is damaged or cut short): the page opened as usual.\n", "error");
  }
  if (shared !== null) {
    addOption("shared");
    store.save("code.shared", shared);
    await openExample("shared");
  } else {
    const last = store.load("example");
    await openExample(names.includes(last) ? last : names[0]);
  }
}

$("run").onclick = runCell;
$("stop").onclick = stop;
$("your-turn").onclick = yourTurn;
$("share").onclick = share;
$("reset").onclick = reset;
$("fit").onclick = () => viewer.fit();
$("zoom-in").onclick = () => viewer.zoom(1.25);
$("zoom-out").onclick = () => viewer.zoom(0.8);
$("examples").onchange = (event) => openExample(event.target.value);
window.playground = { editor, viewer }; // for tests and the console: playground.editor.get()
start();
startWorker();
