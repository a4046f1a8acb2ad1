"""Time to first message in the widget on a loaded page, in Debian's chromium (Playwright).

Each run is a new browser context (a new visitor) on the demo shop page served by `guiders up`:
  ready    navigation start -> widget registered and its socket connected
  open     click on the launcher -> chat created
  stored   Enter -> the visitor's message confirmed by the server (no longer pending)
  reply    REST send of an agent-side reply -> the text shown in the widget
Prints the median and the worst of each over the runs.

    .venv/bin/python benchmarks/widget_first_message.py [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import guiders

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATE = """() => JSON.parse(localStorage.getItem(Object.keys(localStorage)
    .find(k => k.startsWith('guiders:') && k !== 'guiders:fp')) || '{}')"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"ready": [], "open": [], "stored": [], "reply": []}
    with tempfile.TemporaryDirectory() as tmp:
        server = guiders(Path(tmp))
        base = server.base
        try:
            creds = json.loads((Path(tmp) / "demo-credentials.json").read_text())
            key = {"authorization": f"Bearer {creds['integrationKey']}"}
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=ARGS
                )
                for n in range(args.runs + 1):
                    context = browser.new_context()
                    page = context.new_page()
                    t = time.perf_counter()
                    page.goto(f"{base}/")
                    page.wait_for_function("() => window.GuidersWidget?.isConnected()")
                    ready = time.perf_counter() - t
                    t = time.perf_counter()
                    page.click("#guiders-widget .launcher")
                    page.wait_for_function(f"() => ({STATE})().chatId")
                    opened = time.perf_counter() - t
                    box = "#guiders-widget input[aria-label=Message]"
                    page.fill(box, f"first message {n}")
                    t = time.perf_counter()
                    page.press(box, "Enter")
                    page.locator("#guiders-widget .mine:not(.pending)").wait_for()
                    stored = time.perf_counter() - t
                    chat = page.evaluate(STATE)["chatId"]
                    t = time.perf_counter()
                    httpx.post(
                        f"{base}/api/v2/chats/{chat}/messages",
                        json={"content": f"reply {n}"},
                        headers=key,
                    )
                    page.locator("#guiders-widget .theirs .text", has_text=f"reply {n}").wait_for()
                    reply = time.perf_counter() - t
                    context.close()
                    if n == 0:
                        continue  # warm-up: first page load compiles and caches
                    for name, value in zip(figures, (ready, opened, stored, reply), strict=True):
                        figures[name].append(value * 1000)
                browser.close()
        finally:
            server.stop()
    print(f"{args.runs} runs, each a new visitor, headless chromium, SQLite")
    for name, values in figures.items():
        print(f"  {name:<7} median {statistics.median(values):7.0f} ms   max {max(values):7.0f} ms")


if __name__ == "__main__":
    main()
