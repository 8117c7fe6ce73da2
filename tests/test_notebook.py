"""demos/tutorial.ipynb runs top to bottom in a real kernel (nbclient), so it can never rot;
git keeps it without outputs."""

import json
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).parents[1]
NOTEBOOK = ROOT / "demos" / "tutorial.ipynb"


def test_the_notebook_is_kept_without_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, "the tutorial has code cells"
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_the_tutorial_runs_and_tells_the_documents_numbers(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError naming the cell if any cell fails
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "0.9990889488055994" in text  # the documents' neuron
    assert "∂L/∂w1 = (−0.9526) × 0.2494 × (−0.09035) = 0.02147" in text
    assert "engine.gradients(L, [w1]) = 0.021469535265811114: equal to 1e-12 ✓" in text
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)  # the derivation, drawn inline
    assert any("<iframe" in o.get("data", {}).get("text/html", "") for o in outputs)  # the step-by-step page
    assert "100%" in text and "IProgress" not in text  # the text bar, finished; no widget warning
    assert not [o for o in outputs if o.output_type == "error"]
