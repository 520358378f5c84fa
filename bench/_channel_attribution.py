"""Run the ChannelAttribution package (PyPI, bench-only) on a CSV of paths; print its credits as JSON.

    python bench/_channel_attribution.py PATHS.csv --orders 1 2 3 --nsim 2000000 --conv-par 0.002

Called by `bench_attribution.py --compare` with an interpreter that has ChannelAttribution (and matplotlib)
installed; the CSV has path (steps joined with ' > '), conversions, nulls, value.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time

import pandas as pd


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", help="CSV: path, conversions, nulls, value")
    parser.add_argument("--orders", type=int, nargs="+", default=[1, 2, 3], help="Markov orders")
    parser.add_argument("--nsim", type=float, default=2e6, help="nsim_start: simulations of the first round")
    parser.add_argument("--conv-par", type=float, default=0.002, help="ChannelAttribution's convergence parameter")
    args = parser.parse_args()
    with contextlib.redirect_stdout(io.StringIO()):  # the package prints a banner on import
        import ChannelAttribution as ca
    data = pd.read_csv(args.paths)
    out: dict = {"markov": {}, "seconds": {}}
    converting = data[data["conversions"] > 0]
    heuristic = ca.heuristic_models(converting, "path", "conversions", sep=">", flg_pro=False)
    out["heuristic"] = {
        model: dict(zip(heuristic["channel_name"], heuristic[model], strict=True))
        for model in ("first_touch", "last_touch", "linear_touch")
    }
    for order in args.orders:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            result = ca.markov_model(data, "path", "conversions", var_value="value", var_null="nulls", order=order,
                                     sep=">", nsim_start=args.nsim, conv_par=args.conv_par, seed=0, ncore=1,
                                     verbose=False, flg_pro=False)  # fmt: skip
        frame = result["result"] if isinstance(result, dict) else result
        out["seconds"][order] = time.perf_counter() - started
        out["markov"][order] = dict(zip(frame["channel_name"], frame["total_conversions"], strict=True))
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
