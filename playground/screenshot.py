"""Screenshots of the playground in every state a learner meets, at a desktop's size
(1400 × 900) and a phone's (390 × 844), from the built site in headless Chromium:

    python playground/screenshot.py [folder]      (default out/playground/)

It prints the time from opening the page to "ready" and the built site's size,
and redraws the README's picture (docs/playground.png: "Your turn" after a
wrong answer). Look at every picture before calling a change to the page done.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect, sync_playwright

HERE = Path(__file__).resolve().parent
DIST = HERE / "dist"
SIZES = {"desktop": (1400, 900), "phone": (390, 844)}
MLP = """import nn
from engine import Value

net = nn.MLP(4, [8, 8, 1], seed=0)
out = net([Value(1.0), Value(2.0), Value(-1.0), Value(0.5)]); out.label = "out"
out.backward()
out"""


def run(page: Any, code: str | None = None) -> None:
    if code is not None:
        page.fill("#code", code)
    page.click("#run")
    expect(page.locator("#status")).to_have_text("ready", timeout=60_000)
    page.wait_for_timeout(200)


def example(page: Any, name: str) -> None:
    """Open example `name` as it came (the page keeps edits per example) and run it."""
    page.evaluate(f"localStorage.removeItem('chainrule.playground.code.{name}')")
    page.select_option("#examples", name)
    page.wait_for_timeout(300)
    run(page)


def states(page: Any, shot: Any) -> None:
    """Each state the page has, one screenshot each (shot(name))."""
    run(page)
    shot("alice")
    run(page, MLP)
    shot("mlp-8-8-1")
    example(page, "mlp.py")
    shot("training-loss-curve")
    example(page, "alice.py")
    page.click("#your-turn")
    expect(page.locator("#question")).to_contain_text("∂L/∂y_pred")
    page.fill("#answer", "-0.9526")
    page.click("#check")
    page.fill("#answer", "0.5")
    page.click("#check")
    shot("your-turn-hint-1")
    page.fill("#answer", "0.4")
    page.click("#check")
    shot("your-turn-hint-2")
    example(page, "derivation.py")
    shot("derivation")
    example(page, "check_engine.py")
    shot("check-your-engine")
    example(page, "lecture.py")
    frame = page.frame_locator("#graph iframe")
    for _ in range(6):
        frame.get_by_text("next ▶").click()
    shot("step-by-step")
    run(page, "x = 1\nprint('before', end=' ')\ny = x / 0")
    shot("failed-cell")


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(DIST)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for size, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(url)
            expect(page.locator("#status")).to_have_text("ready", timeout=60_000)
            print(f"{size}: open to ready in {time.perf_counter() - start:.2f} s")

            def shot(name: str, page: Any = page, size: str = size) -> None:
                page.screenshot(path=str(out / f"{name}-{size}.png"), full_page=size == "phone")

            states(page, shot)
            context.close()
        page = browser.new_page(viewport={"width": 1400, "height": 900})  # the README's picture
        page.goto(url)
        expect(page.locator("#status")).to_have_text("ready", timeout=60_000)
        example(page, "your_turn.py")
        page.fill("#answer", "-0.9526")
        page.click("#check")
        page.fill("#answer", "-0.2")
        page.click("#check")
        page.wait_for_timeout(300)
        page.screenshot(path=str(HERE.parent / "docs" / "playground.png"))
        browser.close()
    server.shutdown()
    size = sum(f.stat().st_size for f in DIST.rglob("*") if f.is_file())
    print(f"site: {size / 1e6:.1f} MB in {DIST}; screenshots in {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/playground")
