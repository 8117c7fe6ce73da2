// The code editor: CodeMirror 6 with Python (highlighting, line numbers, bracket
// matching, undo), bundled into the site by build.py with esbuild. Ctrl+Enter runs;
// Tab indents, and Escape then Tab leaves the editor (CodeMirror's convention).
// Its typing area carries the id "code", so a person (or a test) types into #code.
import { autocompletion } from "@codemirror/autocomplete";
import { basicSetup } from "codemirror";
import { python } from "@codemirror/lang-python";
import { indentUnit } from "@codemirror/language";
import { indentWithTab } from "@codemirror/commands";
import { Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";

export function createEditor(parent, { onRun, onChange }) {
  const view = new EditorView({
    parent,
    doc: "",
    extensions: [
      Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { onRun(); return true; } }])),
      basicSetup,
      autocompletion({ activateOnTyping: false }), // Ctrl+Space asks; typing is never interrupted
      keymap.of([indentWithTab]),
      python(),
      indentUnit.of("    "), // Python's four spaces
      EditorView.contentAttributes.of({
        id: "code",
        "aria-label": "code: Ctrl+Enter runs it; Escape then Tab leaves the editor",
      }),
      EditorView.updateListener.of((update) => { if (update.docChanged) onChange(update.state.doc.toString()); }),
    ],
  });
  return {
    view,
    get: () => view.state.doc.toString(),
    set: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    focus: () => view.focus(),
  };
}
