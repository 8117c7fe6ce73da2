"""The README's picture of the playground: the built site in headless Chromium, the
"Your turn" example one answer in (python playground/screenshot.py [out.png])."""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

DIST = Path(__file__).resolve().parent / "dist"


def main(out: str) -> None:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(DIST)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        expect(page.locator("#status")).to_have_text("ready", timeout=30_000)
        page.select_option("#examples", "your_turn.py")
        page.wait_for_timeout(300)
        page.click("#run")
        expect(page.locator("#question")).to_contain_text("∂L/∂y_pred")
        page.fill("#answer", "-0.9526")
        page.click("#check")
        page.fill("#answer", "-0.2")
        page.click("#check")  # a wrong answer: the chain rule's sum, with its numbers
        page.wait_for_timeout(300)
        page.screenshot(path=out)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/playground.png")
