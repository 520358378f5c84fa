"""Page load times of `cx ui` (issue 20: each page ≤ 2 s on `small`), measured in headless Chromium.

    python bench/bench_ui.py                                   # generate + land + build small seed 1, measure
    python bench/bench_ui.py --db warehouse.duckdb --screenshots docs/screenshots    # an existing warehouse

A page's load time is from the navigation (a click on its sidebar link, or opening its URL) to the last of its
charts drawn (the page's footer caption announces how many; every one must have its SVG). Three cases per page:

- ``cold``: the warehouse file was just rewritten (its modification time is bumped, so the app's cache, which
  is per file version, misses and every query runs), page opened from the sidebar;
- ``warm``: the same page again from the sidebar (queries cached, figures rebuilt and drawn);
- ``url``: a fresh browser navigation to the page's URL (Streamlit's whole front end loads, then the page runs).

Each case is repeated ``--repeat`` times; the median is printed (and written as JSON with ``--json``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _prepare import add_data_set_options, prepare_args  # noqa: E402

from loaders.ui.browser import chromium, open_page, running_app, screenshot  # noqa: E402
from loaders.ui.dashboards import PAGES  # noqa: E402

log = logging.getLogger("bench")


def bump(db: Path) -> None:
    """A new modification time: the app's cache (per file version) misses on the next page load."""
    now = time.time()
    os.utime(db, (now, now))


def measure(db: Path, repeat: int, screenshots: Path | None) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, list[float]]] = {p.slug: {"cold": [], "warm": [], "url": []} for p in PAGES}
    with tempfile.TemporaryDirectory() as work, running_app(db, Path(work) / "decisions.csv",
                                                            log_dir=work) as app, chromium() as browser:
        open_page(browser, app, PAGES[0].slug, via_sidebar=False)  # the front end loaded once
        for _ in range(repeat):
            for page in PAGES:
                # leave the page first, so a click on its link is a navigation
                other = PAGES[1] if page.slug == PAGES[0].slug else PAGES[0]
                open_page(browser, app, other.slug, via_sidebar=True)
                bump(db)
                results[page.slug]["cold"].append(open_page(browser, app, page.slug, via_sidebar=True))
                open_page(browser, app, other.slug, via_sidebar=True)
                results[page.slug]["warm"].append(open_page(browser, app, page.slug, via_sidebar=True))
                results[page.slug]["url"].append(open_page(browser, app, page.slug, via_sidebar=False))
        if screenshots:
            for page in PAGES:
                open_page(browser, app, page.slug, via_sidebar=True)
                log.info("screenshot %s", screenshot(browser.page, screenshots / f"{page.slug}.png"))
    return {slug: {case: statistics.median(times) for case, times in cases.items()}
            for slug, cases in results.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_set_options(parser, profile="small", seed=1)
    parser.add_argument("--db", type=Path, help="measure this warehouse instead of generating one")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per page and case (median; default 3)")
    parser.add_argument("--screenshots", type=Path, help="also write a screenshot per page into this directory")
    parser.add_argument("--json", type=Path, help="write the medians here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.db:
        db = args.db.resolve()
        label = db.name
    else:
        prepared = prepare_args(args, upstream=["path:models"], build="run")
        db = prepared.db
        label = f"{args.profile} seed {args.seed}"
    medians = measure(db, args.repeat, args.screenshots)
    print(f"page load (s, median of {args.repeat}) on {label}: navigation → last chart drawn")
    print(f"{'page':<14}{'cold':>8}{'warm':>8}{'url':>8}")
    for slug, cases in medians.items():
        print(f"{slug:<14}{cases['cold']:>8.2f}{cases['warm']:>8.2f}{cases['url']:>8.2f}")
    if args.json:
        args.json.write_text(json.dumps({"data": label, "medians_s": medians}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
