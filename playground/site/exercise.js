// "Your turn": the learner works out each gradient, in the order backward reaches it.
// One picture for the whole exercise: each gradient not yet worked out reads "?" (its
// number is kept here, not in the page's text) and is written in when it is answered.
// A wrong answer gets, in turn, the chain rule in the learner's names, the same with the
// numbers put in, and the answer. Progress is kept in this browser by the exercise's key.
import { load, save } from "./store.js";

const $ = (id) => document.getElementById(id);

/** A number as typed: −0.2376, -0.2376, 0,2376, 2.1e-5; NaN when it is not one. */
export function parseAnswer(text) {
  const t = text.trim().replace(/[−–]/g, "-").replace(",", ".").replace(/\s+/g, "");
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
}

/** "right", "rounding" (only the rounding is off) or "wrong", for a question's answer. */
export function judge(question, text) {
  const given = parseAnswer(text);
  if (!Number.isFinite(given)) return "wrong";
  const off = Math.abs(given - question.answer);
  const slack = 1e-9 * question.half; // the box's own number, read back, is within half a unit
  if (off <= question.half + slack) return "right";
  if (off < question.unit * 1.5 && Math.sign(given) === Math.sign(question.answer)) return "rounding";
  return "wrong";
}

export class Exercise {
  constructor(shown, viewer, say) {
    this.shown = shown;
    this.questions = shown.questions;
    this.viewer = viewer;
    this.say = say; // (text, kind) -> the feedback line
    this.svg = viewer.show(shown.svg);
    this.k = 0;
    this.stage = 0; // hints given for this question
    const saved = Number(load(`exercise.${shown.key}`) || 0);
    $("exercise").hidden = false;
    $("answer-form").onsubmit = (event) => { event.preventDefault(); this.check(); };
    $("show-me").onclick = () => this.hint(3);
    $("start-over").onclick = () => this.restart();
    for (let i = 0; i < Math.min(saved, this.questions.length); i += 1) this.reveal(this.questions[i]);
    this.k = Math.min(saved, this.questions.length);
    this.say(saved > 0 && this.k < this.questions.length ? `Welcome back: question ${this.k + 1} of ${this.questions.length}.` : "", "");
    this.ask();
  }

  box(id) {
    return this.svg && this.svg.querySelector(`g[id="${id}"]`);
  }

  reveal(question) {
    for (const id of question.reveal) this.writeIn(id);
  }

  writeIn(id) { // a box's hidden gradient, its "?" replaced by the number
    const text = this.box(id)?.querySelector(`text[fill="${this.shown.ink}"]`);
    if (text) text.textContent = this.shown.grads[id];
  }

  ask() {
    for (const marked of this.svg ? this.svg.querySelectorAll("g.asked") : []) marked.classList.remove("asked");
    const done = this.k >= this.questions.length;
    $("answer-form").hidden = done;
    if (done) {
      for (const id of Object.keys(this.shown.grads)) this.writeIn(id);
      $("question").textContent = "All done: every gradient is yours. ✓";
      $("known").textContent = "";
      $("start-over").hidden = false;
      return;
    }
    const q = this.questions[this.k];
    this.stage = 0;
    $("question").textContent = `Your turn (${this.k + 1} of ${this.questions.length}): ${q.question}`;
    $("known").textContent = `Known: ${q.known.join(", ")}`;
    const box = this.box(q.id);
    if (box) {
      box.classList.add("asked");
      this.viewer.follow(box);
    }
    $("answer").value = "";
    $("answer").focus({ preventScroll: true });
  }

  check() {
    const q = this.questions[this.k], typed = $("answer").value.trim();
    if (!q) return;
    const verdict = judge(q, typed);
    if (verdict === "right") {
      this.say(`✓ Right: ${q.question.replace("?", q.shown)}`, "correct");
      this.reveal(q);
      this.k += 1;
      save(`exercise.${this.shown.key}`, String(this.k));
      this.ask();
    } else if (verdict === "rounding") {
      this.say(`✗ Close (${typed}): only the rounding is off. Round to the digits the boxes show.`, "incorrect");
    } else {
      this.hint(this.stage + 1, typed);
    }
  }

  hint(stage, typed = "") {
    const q = this.questions[this.k];
    if (!q) return;
    this.stage = Math.min(3, Math.max(stage, this.stage));
    const said = typed ? `✗ Not quite (${typed}). ` : "";
    this.say(`${said}${q.hints[this.stage - 1]}${this.stage < 3 ? " Try again." : ""}`, typed ? "incorrect" : "");
    $("answer").focus({ preventScroll: true });
  }

  restart() {
    save(`exercise.${this.shown.key}`, null);
    this.viewer.show(this.shown.svg);
    this.svg = this.viewer.svg;
    this.k = 0;
    this.say("", "");
    this.ask();
  }
}
