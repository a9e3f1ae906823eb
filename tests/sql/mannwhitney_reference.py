"""Reference answers for the canary verdict's statistics (collector/tests/verdict_stats.rs).

Reads JSON cases from argv[1]: [{"name", "x": [...], "y": [...], "confidence", "hl"}] with x the
baseline and y the canary (already expanded: a value repeated once per page view), and prints
for each: scipy's two-sided, tie-corrected, continuity-corrected Mann-Whitney U of y against x
and its p-value, the one-sided p-value of y being greater, and (when "hl") the Hodges-Lehmann shift and its interval computed the long
way: every pairwise difference, sorted."""

import json
import sys

import numpy as np
from scipy import stats


def hodges_lehmann(x, y, confidence):
    d = np.sort(np.subtract.outer(y, x).ravel())
    n1, n2 = len(y), len(x)
    n = n1 + n2
    _, counts = np.unique(np.concatenate([x, y]), return_counts=True)
    ties = float(np.sum(counts.astype(float) ** 3 - counts))
    sigma = np.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    k = max(int(np.floor(n1 * n2 / 2 - z * sigma)), 0)
    return {"estimate": float(np.median(d)), "low": float(d[k]), "high": float(d[len(d) - k - 1])}


def main():
    out = []
    for case in json.load(open(sys.argv[1])):
        x = np.asarray(case["x"], dtype=float)
        y = np.asarray(case["y"], dtype=float)
        r = stats.mannwhitneyu(y, x, alternative="two-sided", method="asymptotic",
                               use_continuity=True)
        greater = stats.mannwhitneyu(y, x, alternative="greater", method="asymptotic",
                                     use_continuity=True)
        res = {"name": case["name"], "u": float(r.statistic), "p": float(r.pvalue),
               "p_greater": float(greater.pvalue)}
        if case.get("hl"):
            res["shift"] = hodges_lehmann(x, y, case["confidence"])
        out.append(res)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
