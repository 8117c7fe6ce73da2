// The page: the cell, Run and Stop, the output and the picture of the cell's last
// expression; Python itself runs in worker.js.
const $ = (id) => document.getElementById(id);
const code = $("code"), output = $("output"), graph = $("graph"), status = $("status");
let worker = null, running = null, nextId = 0, lastKind = null, manifest = null;

function setStatus(text, kind = "") {
  status.textContent = text;
  status.className = kind;
  const ready = text === "ready";
  $("run").disabled = !ready;
  $("your-turn").disabled = !ready || lastKind !== "value";
  $("stop").disabled = text !== "running";
}

function startWorker() {
  setStatus("loading Python…");
  worker = new Worker("worker.js", { type: "module" });
  worker.onmessage = ({ data }) => {
    if (data.type === "ready") setStatus("ready", "ready");
    else if (data.type === "failed") { setStatus("failed to load", "error"); write(data.error, "error"); }
    else if (data.type === "stdout") write(data.text);
    else if (data.type === "result" && running && data.id === running.id) {
      const done = running.done;
      running = null;
      setStatus("ready", "ready");
      done(data);
    }
  };
}

function write(text, kind = "") {
  const span = document.createElement("span");
  if (kind) span.className = kind;
  span.textContent = text;
  output.append(span);
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

async function runCell() {
  output.textContent = "";
  const result = await run(code.value);
  if (!result) return;
  if (!result.ok) { write(result.error, "error"); return; }
  show(result.shown);
}

function stop() {
  if (!running) return;
  worker.terminate();
  running = null;
  write("\nStopped: the cell was ended, and Python started afresh (its variables are gone).\n", "error");
  lastKind = null;
  startWorker();
}

function show(shown) {
  $("exercise").hidden = true;
  graph.textContent = "";
  lastKind = null;
  if (!shown) return;
  if (shown.kind === "svg") {
    graph.innerHTML = shown.svg;
    lastKind = shown.text.startsWith("Value(") ? "value" : "picture";
  } else if (shown.kind === "derivation") {
    const pre = document.createElement("pre");
    pre.textContent = shown.text;
    graph.append(pre);
    const picture = document.createElement("div");
    picture.innerHTML = shown.svg;
    graph.append(picture);
  } else if (shown.kind === "page") {
    const frame = document.createElement("iframe");
    frame.title = "step by step";
    // the step-by-step page, with the page's font for its pictures (its links resolve here;
    // its own policy, which allows nothing from outside, is widened to this folder's fonts)
    frame.srcdoc = shown.html
      .replace("style-src 'unsafe-inline'", "style-src 'self' 'unsafe-inline'; font-src 'self'")
      .replace("</head>", '<link rel="stylesheet" href="fonts.css">\n</head>');
    graph.append(frame);
  } else if (shown.kind === "exercise") {
    exercise(shown);
  } else {
    const pre = document.createElement("pre");
    pre.textContent = shown.text;
    graph.append(pre);
  }
  $("your-turn").disabled = status.textContent !== "ready" || lastKind !== "value";
}

// -- your turn: the learner works out each gradient, in the order backward reaches it --

function exercise({ questions, svgs }) {
  let k = 0;
  const box = $("exercise"), feedback = $("feedback"), answer = $("answer");
  box.hidden = false;
  const ask = () => {
    graph.innerHTML = svgs[k];
    if (k === questions.length) {
      $("question").textContent = "All done: every gradient is yours.";
      $("answer-form").hidden = true;
      return;
    }
    $("answer-form").hidden = false;
    $("question").textContent = `Your turn: ${questions[k].question}`;
    const asked = graph.querySelector(`[id="${questions[k].id}"]`);  // its box, marked in the picture
    if (asked) {  // brought to the middle of the view
      const view = graph.parentElement, box = asked.getBoundingClientRect(), frame = view.getBoundingClientRect();
      view.scrollLeft += box.left - frame.left - (frame.width - box.width) / 2;
      view.scrollTop += box.top - frame.top - (frame.height - box.height) / 2;
    }
    answer.value = "";
    answer.focus({ preventScroll: true });  // (the asked box stays in view)
  };
  $("answer-form").onsubmit = (event) => {
    event.preventDefault();
    const q = questions[k];
    const given = Number(answer.value.trim().replace("−", "-").replace(",", "."));
    if (answer.value.trim() !== "" && Number.isFinite(given) && Math.abs(given - q.answer) <= q.tolerance) {
      feedback.className = "correct";
      feedback.textContent = `Right: ${q.question.replace("?", q.shown)}`;
      k += 1;
      ask();
    } else {
      feedback.className = "incorrect";
      feedback.innerHTML = "";
      feedback.append(`Not quite${answer.value.trim() ? ` (${answer.value.trim()})` : ""}. By the chain rule: `);
      const formula = document.createElement("code");
      formula.textContent = q.explanation.replace(/ = [^=]*$/, "");
      feedback.append(formula, ". Try again.");
    }
  };
  feedback.textContent = "";
  ask();
}

async function yourTurn() {
  const result = await run("your_turn(_)");
  if (result && result.ok) show(result.shown);
  else if (result) write(result.error, "error");
}

async function loadExamples() {
  manifest = await (await fetch("manifest.json")).json();
  const titles = {
    "alice.py": "The Alice network", "derivation.py": "Alice: ∂L/∂w1 by the chain rule",
    "neuron.py": "The documents' neuron", "lecture.py": "micrograd's lecture neuron, step by step",
    "mlp.py": "A small MLP, trained", "your_turn.py": "Your turn: Alice's ∂L/∂w1",
  };
  const order = ["alice.py", "derivation.py", "your_turn.py", "neuron.py", "lecture.py", "mlp.py"];
  const names = [...order.filter((n) => manifest.examples.includes(n)), ...manifest.examples.filter((n) => !order.includes(n))];
  for (const name of names) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = titles[name] || name;
    $("examples").append(option);
  }
  await loadExample(names[0]);
}

async function loadExample(name) {
  code.value = await (await fetch(`examples/${name}`)).text();
}

$("run").onclick = runCell;
$("stop").onclick = stop;
$("your-turn").onclick = yourTurn;
$("examples").onchange = (event) => loadExample(event.target.value);
code.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); runCell(); }
  if (event.key === "Tab") {  // a tab in the cell inserts four spaces, as an editor does
    event.preventDefault();
    const at = code.selectionStart;
    code.setRangeText("    ", at, code.selectionEnd, "end");
  }
});
loadExamples();
startWorker();
