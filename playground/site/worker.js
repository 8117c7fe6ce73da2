// The playground's Python: Pyodide in a Web Worker, so the page stays responsive
// while a cell runs (the page's Stop button ends a runaway cell by ending this worker).
// Every file it loads lies in the site's own folder.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance } from "./viz/viz.js";

let pyodide = null;
let viz = null;

async function start() {
  const manifest = await (await fetch("manifest.json")).json();
  viz = await instance();
  pyodide = await loadPyodide({
    indexURL: new URL("./pyodide/", import.meta.url).href,
    stdout: (text) => postMessage({ type: "stdout", text: text + "\n" }),
    stderr: (text) => postMessage({ type: "stdout", text: text + "\n" }),
  });
  for (const wheel of manifest.wheels) {
    const bytes = await (await fetch(`wheels/${wheel}`)).arrayBuffer();
    pyodide.unpackArchive(bytes, "wheel");
  }
  pyodide.FS.writeFile("/home/pyodide/playground.py", await (await fetch("playground.py")).text());
  // The rendering seam: every picture chainrule makes of DOT is made here by viz.js.
  pyodide.registerJsModule("vizjs", {
    render: (source, format) => viz.renderString(source, { format }),
  });
  pyodide.runPython(`
import sys
sys.path.insert(0, "/home/pyodide")
import vizjs
from engine.viz import FONT, set_renderer
# viz.js sizes boxes with the widths of the fonts it knows: Arimo's (Arial's) here,
# which the page draws the text in (fonts.css), so every box fits its text.
set_renderer(lambda source, format: vizjs.render(source.replace(f'"{FONT}"', "Arimo"), format))
import playground
`);
  postMessage({ type: "ready", python: pyodide.runPython("sys.version.split()[0]") });
}

let runCell = null; // Python: code -> the cell's result as JSON text

onmessage = (event) => {
  const { id, code } = event.data;
  let reply;
  try {
    runCell ??= pyodide.runPython("import json, playground\nlambda code: json.dumps(playground.run_cell(code))");
    reply = JSON.parse(runCell(code));
  } catch (error) {
    reply = { ok: false, error: String(error) };
  }
  postMessage({ type: "result", id, ...reply });
};

start().catch((error) => postMessage({ type: "failed", error: String(error && error.stack || error) }));
