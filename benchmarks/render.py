"""Write the results tables of README.md and docs/benchmarks.md, and the plots in
docs/figures/, from the committed result files in benchmarks/results/.

    python benchmarks/render.py [--check] [--no-plots]

Each generated block sits between marker comments (``<!-- results:20ng start -->`` ...
``<!-- results:20ng end -->``); text outside them is left alone. ``--check`` changes nothing
and exits 1 when a block differs from what the result files give (tests/test_benchmark_tables.py
does the same check). Plots: NPMI, TD@25 and purity against K for every model of each
``compare_peers`` corpus, and fit time against corpus size (log-log) from ``fit_speed``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FIGURES = ROOT / "docs" / "figures"
PAGES = (ROOT / "README.md", ROOT / "docs" / "benchmarks.md",
         ROOT / "docs" / "scaling.md")

MODEL_NAMES = {"saetm": "SAE-TM, defaults", "saetm_bertopic": "SAE-TM in BERTopic",
               "bertopic": "BERTopic default (UMAP + HDBSCAN, nr_topics=K)",
               "bertopic_kmeans": "BERTopic, UMAP + k-means(K)", "lda": "LDA, scikit-learn",
               "keynmf": "turftopic KeyNMF", "s3": "turftopic S3", "fastopic": "FASTopic"}
CORPUS_NAMES = {"20ng": "20 Newsgroups", "bundled": "Bundled corpus (Python docstrings)",
                "simplewiki": "Simple English Wikipedia leads (a fixed random subset, seed 0; "
                              "no labels, so no purity)",
                "20ng-short": "20 Newsgroups, short: the first 220 characters of 8,000 posts "
                              "(about 12 vocabulary words a document)",
                "simplewiki-sentences": "Simple English Wikipedia, first sentences of 10,000 "
                                        "other leads (about 5 vocabulary words a document; "
                                        "no labels)"}
FIT_NAMES = {"bertopic": "BERTopic default", "saetm": "SAE-TM",
             "saetm-bertopic": "SAE-TM through BERTopic",
             "saetm-bertopic-plain": "SAE-TM through BERTopic(**components)"}
# (column title, row key, digits, scale)
COLUMNS = (("NPMI", "npmi", 3, 1), ("C_V", "c_v", 3, 1), ("TD@25", "td25", 2, 1),
           ("coverage", "coverage", 2, 1), ("purity", "purity", 2, 1),
           ("largest %", "largest", 1, 100), ("-1 %", "outliers", 1, 100))
#: Columns shown only where every scored row has them (runs before they were measured, or a
#: --resume run with --no-cv, leave them out).
PARTIAL = ("c_v", "coverage")


def load_results(folder: Path = RESULTS) -> list[dict]:
    """Every result file in ``folder``, sorted by file name."""
    return [{**json.loads(p.read_text()), "file": p.name} for p in sorted(folder.glob("*.json"))
            if not p.name.endswith(".embeddings.json")]


def _stamp_line(result: dict) -> str:
    """Which runs wrote the file: command, commit, date and load of each (``--resume`` adds
    runs), and the machine's cores."""
    runs = [*result.get("earlier_stamps", []), result["stamp"]]

    def one(stamp):
        commit = (stamp["commit"] or "unknown")[:7] + (", dirty tree" if stamp["dirty"] else "")
        load = stamp["machine"]["loadavg_start"][0]
        return (f"`{stamp['command']}` (commit {commit}, {stamp['date'][:10]}, load average "
                f"{load:.1f} at the start)")

    return (f"Written to `benchmarks/results/{result['file']}` by " + "; then by ".join(
        one(s) for s in runs) + f"; {runs[-1]['machine']['cpu_count']} cores shared with "
            "other work, so times are indicative.")


def _fmt(value: float | None, digits: int, scale: float) -> str:
    if value is None:
        return "-"
    text = f"{scale * value:.{digits}f}"
    # .123 rather than 0.123, as the docs write figures
    return re.sub(r"^(-?)0\.", r"\1.", text) if digits >= 2 and abs(value) < 1 else text


def _mean(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return float(np.mean(values)) if values else None


def peers_table(result: dict) -> str:
    """The markdown block of one ``compare_peers`` result: a table, failed fits, stamp."""
    rows = result["rows"]
    ks = sorted({r["k"] for r in rows})
    models = list(dict.fromkeys(r["model"] for r in rows))
    labelled = any(r.get("purity") is not None for r in rows)
    complete = {key for key in PARTIAL
                if all(r.get(key) is not None for r in rows if "error" not in r)}
    columns = [c for c in COLUMNS if (labelled or c[1] != "purity")
               and (c[1] not in PARTIAL or c[1] in complete)]
    header = ["model", "seeds", *(c[0] for c in columns), "fit s"]
    size = result["params"].get("n_documents")
    lines = [f"**{CORPUS_NAMES.get(result['corpus'], result['corpus'])}**"
             + (f" ({size:,} documents)" if size else "") + ", values at "
             f"K = {' / '.join(map(str, ks))}, mean over seeds:", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    failures = []
    for model in models:
        mine = [r for r in rows if r["model"] == model]
        per_k = [sorted({r["seed"] for r in mine if r["k"] == k})
                 for k in ks]
        # the seeds tried (failed fits included), or how many at each K where a run stopped
        # part-way
        seeds = (", ".join(map(str, per_k[0])) if all(s == per_k[0] for s in per_k)
                 else " / ".join(str(len(s)) for s in per_k))
        cells = [MODEL_NAMES.get(model, model), seeds]
        for _, key, digits, scale in columns:
            cells.append(" / ".join(
                _fmt(_mean([r for r in mine if r["k"] == k and "error" not in r], key), digits,
                     scale) for k in ks))
        fitted = [r for r in mine if "error" not in r]
        retopic = [r["fit_s"] for r in fitted if r.get("retopic")]
        if retopic:  # fitted once at the first K, re-topicked to the others
            first = _mean([r for r in fitted if not r.get("retopic")], "fit_s")
            cells.append(f"{_fmt(first, 1, 1)} (re-topic {min(retopic):.2f}-"
                         f"{max(retopic):.2f})")
        else:
            cells.append(" / ".join(_fmt(_mean([r for r in fitted if r["k"] == k], "fit_s"), 1, 1)
                                    for k in ks))
        lines.append("| " + " | ".join(cells) + " |")
        for error in dict.fromkeys(r["error"] for r in mine if "error" in r):
            where = sorted({(r["k"], r["seed"]) for r in mine if r.get("error") == error})
            failures.append(f"- {MODEL_NAMES.get(model, model)} at K = "
                            f"{', '.join(str(k) for k in sorted({k for k, _ in where}))} "
                            f"(seeds {', '.join(str(s) for s in sorted({s for _, s in where}))}) "
                            f"gave no topics: `{error}`")
    lines.append("")
    if failures:
        lines += ["A \"-\" is a fit that failed:", "", *failures, ""]
    asked = set(result["params"].get("seeds") or [])
    missing = sorted(asked - {r["seed"] for r in rows})
    if missing:  # the last run asked for more seeds than it finished
        lines += [f"The last run was stopped before seed{'s' if len(missing) > 1 else ''} "
                  f"{', '.join(map(str, missing))} (time budget); the table has the seeds "
                  "it finished.", ""]
    lines.append("SAE-TM is fitted once per seed at the first K and re-topicked to the others "
                 "(its fit s is the first fit, then the range of re-topic times); every other "
                 "model is fitted at each K. Each fit runs in a fresh process.")
    lines += ["", _stamp_line(result)]
    return "\n".join(lines)


def fit_speed_table(result: dict) -> str:
    """The markdown block of a ``fit_speed`` result: fit seconds per corpus size."""
    rows = [r for r in result["rows"] if r.get("kind", "fit") == "fit"]
    sizes = list(dict.fromkeys(r["size"] for r in rows))
    models = list(dict.fromkeys(r["model"] for r in rows))
    header = ["corpus", "documents", *(FIT_NAMES.get(m, m) + " s" for m in models)]
    if "bertopic" in models and len(models) > 1:
        header.append("SAE-TM / BERTopic")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for size in sizes:
        mine = {r["model"]: r for r in rows if r["size"] == size}
        n = next(iter(mine.values()))["n_documents"]
        cells = [size, f"{n:,}"]
        for model in models:
            row = mine.get(model)
            if row is None:
                cells.append("-")
            elif row.get("stopped_after") is not None:
                cells.append(f"> {row['stopped_after']:.0f} (stopped)")
            else:
                stages = row.get("stages") or {}
                detail = ", ".join(f"{k} {v:.1f}" for k, v in stages.items() if k != "total")
                cells.append(f"{row['fit_s']:.1f}" + (f" ({detail})" if detail else ""))
        if "bertopic" in models and "saetm" in mine and "bertopic" in mine:
            base = mine["bertopic"]
            ratio = mine["saetm"]["fit_s"] / (base.get("stopped_after") or base["fit_s"])
            cells.append(("< " if base.get("stopped_after") else "") + f"{ratio:.2f}")
        elif "bertopic" in models and len(models) > 1:
            cells.append("-")
        lines.append("| " + " | ".join(cells) + " |")
    retopic = [r for r in result["rows"] if r.get("kind") == "retopic"]
    lines.append("")
    if retopic:
        by_via = {}
        for r in retopic:
            by_via.setdefault(r["via"], []).append(r)
        parts = [f"{via} " + " / ".join(f"{r['seconds']:.2f}" for r in group) + " s to K = "
                 + " / ".join(str(r["k"]) for r in group) for via, group in by_via.items()]
        lines += [f"Re-topic of a fitted SAE-TM ({retopic[0]['size']}): " + "; ".join(parts)
                  + ".", ""]
    lines += ["Every fit runs in a fresh process, with the embeddings given; UMAP's numba "
              "compilation and torch's start-up are outside the timed fits. SAE-TM: "
              "`SAETopicModel(n_topics=50)` (stage seconds in brackets).", "",
              _stamp_line(result)]
    return "\n".join(lines)


def cluster_fit_table(result: dict) -> str:
    """The markdown block of a ``cluster_fit`` result: fit and transform on a LocalCluster."""
    lines = ["| documents | fit s (vocabulary / sae / word_emission / merge) | worker peak MB "
             "| driver peak MB | transform docs/s | worker peak MB in transform |",
             "|---|---|---|---|---|---|"]
    for row in result["rows"]:
        stages = " / ".join(f"{row['stages'].get(k, 0):.1f}"
                            for k in ("vocabulary", "sae", "word_emission", "merge"))
        lines.append(f"| {row['documents']:,} | {row['fit_s']:.1f} ({stages}) | "
                     f"{' / '.join(str(m) for m in row['worker_peak_mb'])} | "
                     f"{row['driver_peak_mb']:,} | {row['transform_docs_per_s']:,} | "
                     f"{' / '.join(str(m) for m in row['transform_worker_peak_mb'])} |")
    first = result["rows"][0]
    lines += ["", f"A LocalCluster of {first['workers']} worker processes (one thread, "
              f"{first['memory_limit']} each) on the synthetic corpus of "
              "`benchmarks/cluster_fit.py`; `SAETopicModel(n_topics=50)`. Peaks are resident "
              "memory, the driver's with its imports.", "", _stamp_line(result)]
    return "\n".join(lines)


def scale_fit_table(result: dict) -> str:
    """The markdown block of a ``scale_fit`` result: the in-process fit from memory maps."""
    lines = ["| documents | fit s (vocabulary / sae / word_emission / merge) | SAE steps "
             "| peak RSS MB | peak allocated MB | transform s |", "|---|---|---|---|---|---|"]
    for row in result["rows"]:
        stages = " / ".join(f"{row['stages'].get(k, 0):.1f}"
                            for k in ("vocabulary", "sae", "word_emission", "merge"))
        allocated = row.get("peak_allocated_mb")  # not printed before 2026-12-06
        lines.append(f"| {row['documents']:,} | {row['fit_s']:.1f} ({stages}) | "
                     f"{row['sae_steps']:,} | {row['peak_rss_mb']:,} | "
                     f"{'' if allocated is None else f'{allocated:,}'} | "
                     f"{row['transform_s']:.1f} |")
    lines += ["", "One process on the synthetic corpus of `benchmarks/scale_fit.py` "
              "(embeddings memory-mapped, counts given); `SAETopicModel(n_topics=50)`. Peak "
              "RSS is the fit process's resident memory, imports included, and counts the "
              "pages of the memory-mapped embeddings the SAE has read (file cache the kernel "
              "takes back under pressure); peak allocated is the anonymous memory only "
              "(`RssAnon`, sampled every 0.2 s).", "", _stamp_line(result)]
    return "\n".join(lines)


def blocks(results: list[dict]) -> dict[str, str]:
    """Marker name -> generated markdown, for every result that has a block."""
    out = {}
    for result in results:
        if result["benchmark"] == "compare_peers" and result["params"].get("sample") is None:
            out[result["corpus"]] = peers_table(result)
        elif result["benchmark"] == "fit_speed":
            out["fit_speed"] = fit_speed_table(result)
        elif result["benchmark"] == "cluster_fit":
            out["cluster_fit"] = cluster_fit_table(result)
        elif result["benchmark"] == "scale_fit":
            out["scale_fit"] = scale_fit_table(result)
    return out


def figure_block(name: str) -> str:
    """The image line docs/benchmarks.md shows under a block."""
    if name in ("cluster_fit", "scale_fit"):
        return ""
    if name == "fit_speed":
        return "\n\n![Fit time against corpus size, log-log](figures/fit_time_vs_size.png)"
    return f"\n\n![NPMI, TD@25 and purity against K](figures/quality_vs_k_{name}.png)"


def render_page(text: str, generated: dict[str, str], figures: bool) -> str:
    """``text`` with every marked block replaced by its generated content."""
    def replace(match):
        name = match.group(1)
        if name not in generated:
            raise KeyError(f"no result file gives the block {name!r}")
        body = generated[name] + (figure_block(name) if figures else "")
        return f"<!-- results:{name} start -->\n{body}\n<!-- results:{name} end -->"

    return re.sub(r"<!-- results:([\w-]+) start -->.*?<!-- results:\1 end -->", replace, text,
                  flags=re.S)


def rendered_pages(results: list[dict] | None = None) -> dict[Path, str]:
    """Each page's text as the result files give it (README without figures)."""
    generated = blocks(load_results() if results is None else results)
    return {page: render_page(page.read_text(), generated, figures=page.name != "README.md")
            for page in PAGES}


def plot(results: list[dict], folder: Path = FIGURES) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for result in results:
        if result["benchmark"] != "compare_peers" or result["params"].get("sample") is not None:
            continue
        rows = [r for r in result["rows"] if "error" not in r]
        ks = sorted({r["k"] for r in result["rows"]})
        metrics = [("npmi", "NPMI"), ("td25", "TD@25")]
        if any(r.get("purity") is not None for r in rows):
            metrics.append(("purity", "purity"))
        figure, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.8))
        for model in dict.fromkeys(r["model"] for r in result["rows"]):
            for axis, (key, title) in zip(axes, metrics, strict=True):
                points = [(k, _mean([r for r in rows if r["model"] == model and r["k"] == k],
                                    key)) for k in ks]
                points = [(k, v) for k, v in points if v is not None]
                axis.plot([k for k, _ in points], [v for _, v in points], marker="o",
                          label=MODEL_NAMES.get(model, model))
                axis.set_xscale("log")
                axis.minorticks_off()
                axis.set_xticks(ks, [str(k) for k in ks])
                axis.set_xlabel("number of topics K")
                axis.set_title(title)
                axis.grid(alpha=0.3)
        handles, labels = axes[0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3),
                      frameon=False)
        figure.suptitle(CORPUS_NAMES.get(result["corpus"], result["corpus"]).split(" (")[0])
        figure.tight_layout(rect=(0, 0.12, 1, 1))
        path = folder / f"quality_vs_k_{result['corpus']}.png"
        figure.savefig(path, dpi=110, metadata={"Software": None})
        plt.close(figure)
        written.append(path)
    for result in results:
        if result["benchmark"] != "fit_speed":
            continue
        rows = [r for r in result["rows"] if r.get("kind", "fit") == "fit"
                and r.get("fit_s") is not None]
        figure, axis = plt.subplots(figsize=(6, 4.2))
        for model in dict.fromkeys(r["model"] for r in rows):
            mine = sorted((r["n_documents"], r["fit_s"]) for r in rows if r["model"] == model)
            axis.plot(*zip(*mine, strict=True), marker="o", label=FIT_NAMES.get(model, model))
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("documents")
        axis.set_ylabel("fit seconds (embeddings given)")
        axis.grid(alpha=0.3, which="both")
        axis.legend(frameon=False)
        figure.tight_layout()
        path = folder / "fit_time_vs_size.png"
        figure.savefig(path, dpi=110, metadata={"Software": None})
        plt.close(figure)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a page differs from the results")
    parser.add_argument("--no-plots", action="store_true")
    args = parser.parse_args()
    results = load_results()
    stale = []
    for page, text in rendered_pages(results).items():
        if page.read_text() != text:
            stale.append(page)
            if not args.check:
                page.write_text(text)
    if args.check:
        for page in stale:
            print(f"{page.relative_to(ROOT)} differs from benchmarks/results/: run "
                  "python benchmarks/render.py")
        sys.exit(1 if stale else 0)
    for page in stale:
        print(f"wrote {page.relative_to(ROOT)}")
    if not args.no_plots:
        FIGURES.mkdir(parents=True, exist_ok=True)
        for path in plot(results):
            print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
