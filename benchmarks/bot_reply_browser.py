"""The bot's reply as the visitor sees it: from pressing Enter in the widget to the bot's answer
shown in it, in Debian's chromium (Playwright) against ``guiders up`` with the bot on and its
default settings (the human-like pause included: ``GUIDERS_BOT_*`` as shipped).

Each question is a new visitor (a new browser context): open the demo page, open the widget,
send one question of the demo knowledge base (held-out questions, which the bot was not trained
on), wait for the first bot message that is not the welcome. Both instants are taken in the
page (Enter's keydown, and the first frame with the answer in the widget), not by Playwright's
polling. Prints p50/p95/max over the questions, after one warm-up question (the first loads the
models).

    .venv/bin/python benchmarks/bot_reply_browser.py [--questions 20] [--server-cpus 0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import Server

from guiders.ai.kb_data import load_data
from guiders.bot.knowledge import ensure_kb
from guiders.bot.settings import DEMO_KB, BotSettings

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = os.environ.get("GUIDERS_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOX = "#guiders-widget input[aria-label=Message]"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# Both instants are taken in the page, on its clock: Enter as its keydown reaches the message
# box, the answer at the first frame after it is in the widget's DOM (a MutationObserver).
# Playwright's own wait polls at growing intervals (up to 500 ms apart after the first second),
# so timing its return added up to half a second to a reply that was already on the screen.
WATCH = """([box, botName]) => {
  const root = document.querySelector('#guiders-widget').shadowRoot;
  const input = root.querySelector(box.replace('#guiders-widget ', ''));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') window.__enterAt = performance.now();
  }, { capture: true, once: true });
  const answered = () => [...root.querySelectorAll('.log .theirs .text')]
    .some((n) => !n.textContent.includes(botName));
  window.__shownAt = new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      if (!answered()) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now()));
    });
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    setTimeout(() => reject(new Error('no answer within 60 s')), 60000);
  });
}"""


def ask(browser: object, base: str, question: str, bot_name: str) -> float:
    """Seconds from Enter to the bot's answer shown, for a new visitor."""
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(f"{base}/")
        page.wait_for_function("() => window.GuidersWidget?.isConnected()", timeout=60000)
        page.click("#guiders-widget .launcher")
        page.fill(BOX, question)
        page.evaluate(WATCH, [BOX, bot_name])
        page.press(BOX, "Enter")
        shown_ms = page.evaluate("() => window.__shownAt")
        return float(shown_ms - page.evaluate("() => window.__enterAt")) / 1000
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--server-cpus", default=None, help="taskset list for the server")
    parser.add_argument(
        "--kb",
        type=Path,
        default=ROOT / "var" / "bench" / "demo_kb",
        help="the trained demo knowledge base (trained here once if missing)",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    settings = BotSettings()
    questions = [text for text, _ in load_data(DEMO_KB).split("test")]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        ensure_kb(args.kb, DEMO_KB)  # trained here once: the server only loads it
        shutil.copytree(args.kb, data / "models" / "demo_kb")
        server = Server(
            ["-m", "guiders.cli", "up", "--data-dir", str(data)],
            {
                "GUIDERS_BOT_ENABLED": "true",
                "GUIDERS_ANALYTICS_ENABLED": "false",
                "GUIDERS_PIPELINE_ENABLED": "false",
                "GUIDERS_RATE_LIMIT_PER_MINUTE": "100000",
                "GUIDERS_PUBLIC_RATE_LIMIT_PER_MINUTE": "100000",
            },
            cpus=args.server_cpus,
        )
        times: list[float] = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                ask(browser, server.base, questions[-1], settings.bot_name)  # warm-up
                for n in range(args.questions):
                    question = questions[n % len(questions)]
                    times.append(ask(browser, server.base, question, settings.bot_name) * 1000)
                browser.close()
        finally:
            server.stop()
    pause_max = settings.typing_max_ms
    print(
        f"bot reply seen by the visitor: {len(times)} questions, each a new visitor, headless "
        f"chromium, SQLite, default bot settings (pause {settings.response_delay_ms} ms + "
        f"{settings.typing_ms_per_char} ms/char, at most {pause_max} ms); "
        f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"  Enter -> bot answer shown: p50 {pct(times, 50):6.0f} ms   p95 {pct(times, 95):6.0f} ms"
        f"   max {max(times):6.0f} ms   mean {statistics.mean(times):6.0f} ms"
    )


if __name__ == "__main__":
    main()
