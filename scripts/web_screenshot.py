#!/usr/bin/env python
"""Regenerate the README's screenshot of the browser review, ``evaluation/web_review.png``.

Pre-codes the bundled example transcripts with the bundled model (into a temporary folder, with no
earlier decisions), accepts the first three suggestions as a reviewer would, then serves the review
on a free 127.0.0.1 port and photographs the page in headless Chromium (Debian's chromium and
chromium-driver, which ``make test`` installs).

    python scripts/web_screenshot.py                 # evaluation/web_review.png
    python scripts/web_screenshot.py --list out.png  # the list view instead
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the tests' server and browser helpers

from review.web_serving import headless_chrome, serving  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from smgov_nlp.workflows.precode import run_precode  # noqa: E402

EXAMPLES = ["mesa1_notas.txt", "mesa2_notes.md", "mesa3_notas.docx"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=REPO / "evaluation" / "web_review.png")
    parser.add_argument("--list", action="store_true", help="photograph the list view")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        run_precode([REPO / "data" / "examples" / name for name in EXAMPLES], work / "precode", data_dir=work / "data")
        queue = work / "precode" / "review_queue.csv"
        with serving(queue, work / "data", reviewer="ana") as server:
            review = server.review
            for item in review.state()["items"][:3]:
                review.decide({"tab": "screenshot", "text_hash": item["text_hash"], "layer": item["layer"],
                               "type": item["type"]})
            driver = headless_chrome(work / "chrome")
            try:
                driver.set_window_size(1280, 1180 if not args.list else 900)
                driver.get(server.url)
                WebDriverWait(driver, 10).until(
                    lambda d: d.execute_script("return document.body.dataset.ready") == "true")
                if args.list:
                    ActionChains(driver).send_keys("l").perform()
                args.out.parent.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(args.out))
            finally:
                driver.quit()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
