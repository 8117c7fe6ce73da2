import os

import pytest
from hypothesis import HealthCheck, settings

from demos.networks import seed_network

# One profile for the whole suite: no deadline (machines here are shared and
# noisy), and enough examples to find a wrong rule. HYPOTHESIS_PROFILE=thorough
# runs many more.
settings.register_profile(
    "default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def alice():
    """The documents' 2-2-1 network on sample Alice (every weight 1, every bias 0), after L.backward()."""
    net = seed_network()
    net.L.backward()
    return net


@pytest.fixture
def term_merges(monkeypatch):
    """A counter of the terms named expressions merge as they add up (symbolic's _add
    counted): how the tests show a sum is written in n log n merges, not n²."""
    import engine.explaining.symbolic as symbolic

    merged = [0]
    original = symbolic._add

    def counting(a, b, data):
        merged[0] += sum(len(x.args) if x.kind == symbolic.SUM else 1 for x in (a, b))
        return original(a, b, data)

    monkeypatch.setattr(symbolic, "_add", counting)
    return merged


def count_calls(fn):
    """How many Python and C function calls fn() makes: a count, not a time, so it
    repeats on a busy machine (how the tests show a cost grows linearly)."""
    import sys

    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def count_lines(fn):
    """How many lines of Python fn() runs (a loop's line once per pass): a count
    that sees a loop hidden inside one expression, where count_calls does not."""
    import sys

    count = 0

    def trace(frame, event, arg):
        nonlocal count
        count += event == "line"
        return trace

    sys.settrace(trace)
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, driven by playwright at Debian's chromium (nothing downloads a
    browser): the step-by-step page's tests and the playground's. Skips without either."""
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield browser
        browser.close()
