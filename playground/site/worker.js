// The playground's Python: Pyodide in a Web Worker, so the page stays responsive
// while a cell runs (the page's Stop button ends a runaway cell by ending this worker).
// Every file it loads lies in the site's own folder.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance } from "./viz/viz.js";

let pyodide = null;
let viz = null;
let manifest = null;

async function start() {
  manifest = await (await fetch("manifest.json")).json();
  viz = await instance();
  pyodide = await loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href });
  // What a cell prints goes to the page as it is written, a line without its newline too
  // (run_cell flushes at the end of every cell).
  const decoder = new TextDecoder();
  const write = (bytes) => {
    postMessage({ type: "stdout", text: decoder.decode(bytes, { stream: true }) });
    return bytes.length;
  };
  pyodide.setStdout({ write });
  pyodide.setStderr({ write });
  // chainrule, graphviz (draw_dot's DOT), hypothesis and what it needs (the engine checker):
  // pure-Python wheels, unpacked into site-packages.
  for (const wheel of manifest.wheels) {
    const bytes = await (await fetch(`wheels/${wheel}`)).arrayBuffer();
    pyodide.unpackArchive(bytes, "wheel");
  }
  pyodide.FS.writeFile("/home/pyodide/playground.py", await (await fetch("playground.py")).text());
  // The rendering seam: every picture chainrule makes of DOT is made here by viz.js.
  pyodide.registerJsModule("vizjs", {
    render: (source, format) => viz.renderString(source, { format }),
  });
  pyodide.registerJsModule("page", {
    display: (json) => postMessage({ type: "display", shown: JSON.parse(json) }),
  });
  pyodide.runPython(`
import sys
sys.path.insert(0, "/home/pyodide")
import json, vizjs, page
from engine.viz import FONT, set_renderer
# viz.js sizes boxes with the widths of the fonts it knows: Arimo's (Arial's) here,
# which the page draws the text in (fonts.css), so every box fits its text.
set_renderer(lambda source, format: vizjs.render(source.replace(f'"{FONT}"', "Arimo"), format))
import playground
playground.set_display(lambda item: page.display(json.dumps(item)))
`);
  postMessage({ type: "ready", python: pyodide.runPython("sys.version.split()[0]") });
}

/** Pyodide's packages (numpy) a cell imports, loaded from this site when first imported
 * (and numpy for a cell that compiles: engine.compile, fit(compile=True) import it inside). */
async function loadImports(code) {
  const wanted = pyodide.pyimport("pyodide.code").find_imports(code).toJs();
  if (/\bcompile\b/.test(code)) wanted.push("numpy");
  const shipped = (manifest.packages || []).filter((name) => wanted.includes(name) && !pyodide.loadedPackages[name]);
  if (shipped.length === 0) return;
  const start = performance.now();
  postMessage({ type: "loading", text: `loading ${shipped.join(", ")}…` });
  await pyodide.loadPackage(shipped, { messageCallback: () => {} });
  postMessage({ type: "stdout", text: `(${shipped.join(", ")} loaded in ${((performance.now() - start) / 1000).toFixed(1)} s)\n` });
}

let runCell = null; // Python: code -> the cell's result as JSON text

onmessage = async (event) => {
  const { id, code } = event.data;
  let reply;
  try {
    await loadImports(code);
    runCell ??= pyodide.runPython("import json, playground\nlambda code: json.dumps(playground.run_cell(code))");
    reply = JSON.parse(runCell(code));
  } catch (error) {
    reply = { ok: false, error: String(error) };
  }
  postMessage({ type: "result", id, ...reply });
};

start().catch((error) => postMessage({ type: "failed", error: String(error && error.stack || error) }));
