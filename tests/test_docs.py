"""The documentation: every guide's snippets run, and the site builds and renders.

The snippets run as tests/test_readme.py runs the README's (same fixtures: SAEs capped at
``SNIPPET_SAE_STEPS`` steps, the bridge's hook activations computed once); each page's
Python blocks run in order in one namespace, in a fresh folder. The site is built with
``mkdocs build --strict`` into a temporary folder and one page is loaded in headless
Chromium (skipped where Chromium is missing, as tests/test_report.py is).
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_readme import shared_hook_activations, short_sae_training  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: The pages whose Python blocks are run, and a name each page's last block must define.
PAGES = {"getting_started.md": "theta", "guides/standalone.md": "scores",
         "guides/bertopic.md": "loaded", "guides/sae_lens.md": "foundation"}


def python_blocks(page):
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_snippets_run(page, tmp_path, monkeypatch, short_sae_training,  # noqa: F811
                           shared_hook_activations):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(page)
    assert blocks, f"{page} has no Python snippet"
    namespace = {}
    for number, code in enumerate(blocks):
        try:
            exec(compile(code, f"docs/{page} python block {number}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message says which block
            pytest.fail(f"docs/{page} python block {number} failed: {exc!r}\n{code}")
    assert PAGES[page] in namespace


def test_cli_page_names_every_command():
    from bertopic_saetm.cli import build_parser

    commands = next(action for action in build_parser()._actions
                    if action.dest == "command").choices
    page = (DOCS / "cli.md").read_text()
    assert all(f"`{name}" in page for name in commands), sorted(commands)


def test_nav_lists_every_page():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert {page for page in pages if page not in nav} == set()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                          str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"})
    assert run.returncode == 0, run.stdout + run.stderr
    return out


def test_site_builds_offline(site):
    for page in ("index.html", "benchmarks/index.html", "api/topic_model/index.html",
                 "api/backends/index.html", "figures/pipeline.png"):
        assert (site / page).is_file(), page
    api = (site / "api" / "backends" / "index.html").read_text()
    assert "set_n_topics" in api and "SAETMBackend" in api
    for html in site.rglob("*.html"):  # nothing to fetch when the pages are opened
        assert not re.search(r"fonts\.googleapis|(src|href)=\"https?://[^\"]*\.(js|css)",
                             html.read_text()), html


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_benchmarks_page_renders_in_headless_chromium(site):
    page = (site / "benchmarks" / "index.html").resolve().as_uri()
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
              f"--user-data-dir={site.parent / 'profile'}", "--virtual-time-budget=5000"]
    run = subprocess.run([*common, "--dump-dom", page], capture_output=True, text=True,
                         timeout=120)
    dom = run.stdout
    # The page's title, the generated 20 Newsgroups table's SAE-TM NPMI cell (as
    # benchmarks/render.py writes it from the committed results), and the theme's navigation.
    from .test_benchmark_tables import render

    table = render.blocks(render.load_results())["20ng"]
    npmi = next(line for line in table.split("\n") if line.startswith("| SAE-TM")).split(" | ")[2]
    assert re.search(r"<h1[^>]*>\s*Benchmarks", dom)
    assert re.search(rf"<td[^>]*>\s*{re.escape(npmi)}\s*</td>", dom)
    assert 'src="../figures/quality_vs_k_20ng.png"' in dom
    assert 'class="md-nav' in dom
    shot = site.parent / "benchmarks.png"
    subprocess.run([*common, "--window-size=1280,1600", f"--screenshot={shot}", page],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one
