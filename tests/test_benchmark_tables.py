"""The results tables of README.md and docs/benchmarks.md are what ``benchmarks/render.py``
makes of the committed result files (no figure typed by hand), and the renderer's tables say
what the result files say. Fast: no fitting, no plots."""

import copy
import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = ("20ng", "bundled", "simplewiki", "20ng-short", "simplewiki-sentences", "fit_speed")
#: The generated blocks each page carries (the README only the per-corpus results tables).
PAGE_BLOCKS = {"README.md": ("20ng", "bundled", "simplewiki"), "docs/benchmarks.md": BLOCKS,
               "docs/scaling.md": ("cluster_fit", "scale_fit")}


def _load_render():
    spec = importlib.util.spec_from_file_location("render", ROOT / "benchmarks" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _load_render()

STAMP = {"commit": "0123456789abcdef", "dirty": False, "date": "2026-12-04T20:00:00+00:00",
         "machine": {"cpu_count": 2, "loadavg_start": [3.25, 3.0, 2.0],
                     "loadavg_end": [2.0, 2.0, 2.0]},
         "command": "python benchmarks/compare_peers.py --corpus 20ng --k 20,50"}


def _row(model, k, seed, npmi, **extra):
    return {"model": model, "k": k, "seed": seed, "retopic": False, "fit_s": 10.0 + k,
            "npmi": npmi, "td25": 0.8, "purity": 0.5, "largest": 0.1, "outliers": 0.0,
            **extra}


SYNTHETIC = {"benchmark": "compare_peers", "corpus": "20ng", "file": "synthetic.json",
             "params": {"sample": None, "n_documents": 1000}, "stamp": STAMP,
             "rows": [_row("saetm", 20, 0, 0.2), _row("saetm", 50, 0, 0.1, retopic=True,
                                                      fit_s=0.25),
                      _row("saetm", 20, 1, 0.1), _row("saetm", 50, 1, 0.2, retopic=True,
                                                      fit_s=0.5),
                      _row("keynmf", 20, 0, -0.05, outliers=0.125),
                      {"model": "keynmf", "k": 50, "seed": 0, "retopic": False,
                       "error": "ValueError: too few documents"}]}


def test_committed_pages_equal_the_rendering_of_the_committed_results():
    for page, text in render.rendered_pages().items():
        assert page.read_text() == text, (
            f"{page.relative_to(ROOT)} is not what benchmarks/results/ gives: run "
            "python benchmarks/render.py")


@pytest.mark.parametrize("page", sorted(PAGE_BLOCKS))
def test_current_results_are_generated_blocks(page):
    text = (ROOT / page).read_text()
    for name in PAGE_BLOCKS[page]:
        assert text.count(f"<!-- results:{name} start -->") == 1, (page, name)
        assert text.count(f"<!-- results:{name} end -->") == 1, (page, name)
    if page == "docs/benchmarks.md":  # "Current results" holds nothing but generated blocks
        current = text.split("## Current results", 1)[1].split("\n## ", 1)[0]
        outside = re.sub(r"<!-- results:([\w-]+) start -->.*?<!-- results:\1 end -->", "",
                         current, flags=re.S)
        assert not re.search(r"\d", outside), outside


def test_every_result_file_is_stamped():
    results = render.load_results()
    assert {r["corpus"] for r in results if r["benchmark"] == "compare_peers"} >= {
        "20ng", "bundled", "simplewiki", "20ng-short", "simplewiki-sentences"}
    for result in results:
        stamp = result["stamp"]
        assert re.fullmatch(r"[0-9a-f]{40}", stamp["commit"]), result["file"]
        assert isinstance(stamp["dirty"], bool) and stamp["command"].startswith("python ")
        assert stamp["machine"]["cpu_count"] >= 1 and len(stamp["machine"]["loadavg_start"]) == 3


def test_peers_table_of_a_synthetic_result():
    lines = render.peers_table(SYNTHETIC).split("\n")
    assert lines[0] == ("**20 Newsgroups** (1,000 documents), values at K = 20 / 50, mean over "
                        "seeds:")
    assert lines[2] == "| model | seeds | NPMI | TD@25 | purity | largest % | -1 % | fit s |"
    # means over seeds 0 and 1; re-topic times as a range after the first fit
    assert lines[4] == ("| SAE-TM, defaults | 0, 1 | .150 / .150 | .80 / .80 | .50 / .50 | "
                        "10.0 / 10.0 | 0.0 / 0.0 | 30.0 (re-topic 0.25-0.50) |")
    # a failed fit is a "-" cell and a line with its error
    assert lines[5] == ("| turftopic KeyNMF | 0 | -.050 / - | .80 / - | .50 / - | 10.0 / - | "
                        "12.5 / - | 30.0 / - |")
    assert ("- turftopic KeyNMF at K = 50 (seeds 0) gave no topics: "
            "`ValueError: too few documents`") in lines
    assert lines[-1] == ("Written to `benchmarks/results/synthetic.json` by `python "
                         "benchmarks/compare_peers.py --corpus 20ng --k 20,50` (commit 0123456, "
                         "2026-12-04, load average 3.2 at the start); 2 cores shared with other "
                         "work, so times are indicative.")


def test_seed_counts_per_k_when_a_run_stopped_part_way():
    result = copy.deepcopy(SYNTHETIC)
    result["rows"] = [r for r in result["rows"] if not (r["model"] == "saetm" and r["seed"] == 1
                                                        and r["k"] == 50)]
    assert render.peers_table(result).split("\n")[4].startswith("| SAE-TM, defaults | 2 / 1 |")


def test_a_stopped_run_says_which_seeds_it_did_not_finish():
    result = copy.deepcopy(SYNTHETIC)
    result["params"]["seeds"] = [0, 1, 2]
    assert ("The last run was stopped before seed 2 (time budget); the table has the seeds it "
            "finished.") in render.peers_table(result).split("\n")


def test_unlabelled_corpus_has_no_purity_column():
    result = copy.deepcopy(SYNTHETIC)
    result["corpus"] = "simplewiki"
    for row in result["rows"]:
        row.pop("purity", None)
    assert "purity" not in render.peers_table(result).split("\n")[2]


def test_render_page_replaces_only_the_marked_blocks():
    text = "intro 1\n<!-- results:x start -->\nold .5\n<!-- results:x end -->\noutro 2\n"
    out = render.render_page(text, {"x": "| new |"}, figures=False)
    assert out == "intro 1\n<!-- results:x start -->\n| new |\n<!-- results:x end -->\noutro 2\n"
    with pytest.raises(KeyError):
        render.render_page(text, {}, figures=False)


def test_a_changed_result_changes_the_page(tmp_path):
    results = render.load_results()
    changed = json.loads(json.dumps(results))
    peers = next(r for r in changed if r["benchmark"] == "compare_peers"
                 and r["corpus"] == "20ng")
    peers["rows"][0]["npmi"] = 0.999
    pages = render.rendered_pages(changed)
    assert any(page.read_text() != text for page, text in pages.items())
