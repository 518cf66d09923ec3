"""Every snippet in README.md runs: the Python blocks in order (one namespace), and the
``saetm`` lines of the console block on small files made here.

The snippets run as written, with two differences that only save time:

- every SAE they train stops after at most ``SNIPPET_SAE_STEPS`` optimisation steps (same
  dictionary size, same schedule otherwise). What these tests check is that the snippets
  run and give what they say (shapes, scores in range), which does not depend on how long
  the SAE trains; full-length training is covered by tests/sae and the quality tests, and
  would make these two tests most of the suite's time;
- the transformer's activations at a hook are computed once per (model, documents, hook,
  options): the bridge snippet runs MiniLM over the same documents up to the same hook
  twice (``token_activations``, then ``document_atom_activations``), and the second pass
  replays the first one's batches, which are the same values.
"""

import dataclasses
import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.S)


#: Upper bound on the optimisation steps of any SAE trained by a README snippet.
SNIPPET_SAE_STEPS = 40


@pytest.fixture
def short_sae_training(monkeypatch):
    """Cap the steps of every SAE the snippets train (``train_sae`` and model fits)."""
    import bertopic_saetm
    import bertopic_saetm.engine.stages as stages
    from bertopic_saetm import SAETrainingConfig

    train_sae = stages.train_sae

    def short(X, config=None, random_state=None, verbose=False):
        config = config or SAETrainingConfig()
        config = dataclasses.replace(config, min_steps=min(config.min_steps, SNIPPET_SAE_STEPS),
                                     max_steps=min(config.max_steps, SNIPPET_SAE_STEPS))
        return train_sae(X, config, random_state, verbose)

    monkeypatch.setattr(stages, "train_sae", short)
    monkeypatch.setattr(bertopic_saetm, "train_sae", short)


@pytest.fixture
def shared_hook_activations(monkeypatch):
    """Replay ``iter_token_activations`` batches for a repeated call with the same inputs."""
    import inspect

    import sae_lens_bridge.activations as activations

    compute = activations.iter_token_activations
    signature = inspect.signature(compute)
    cache = {}

    def shared(model, documents, hook_name, **kwargs):
        if not isinstance(documents, list):
            yield from compute(model, documents, hook_name, **kwargs)
            return
        call = signature.bind(model, documents, hook_name, **kwargs)
        call.apply_defaults()
        options = sorted((k, v) for k, v in call.arguments.items()
                         if k not in ("model", "documents"))
        key = (id(model), tuple(documents), tuple(options))
        if key not in cache:
            cache[key] = list(compute(model, documents, hook_name, **kwargs))
        yield from cache[key]

    monkeypatch.setattr(activations, "iter_token_activations", shared)
    return cache


def test_readme_has_snippets():
    assert len(blocks("python")) >= 4 and len(blocks("console")) == 1


def test_python_snippets_run(tmp_path, monkeypatch, short_sae_training,
                             shared_hook_activations):
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for number, code in enumerate(blocks("python")):
        try:
            exec(compile(code, f"README.md python block {number}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message says which block
            pytest.fail(f"README python block {number} failed: {exc!r}\n{code}")
    assert namespace["theta"].shape[1] == 15
    assert 0 < namespace["scores"]["purity"] <= 1


def test_console_snippet_runs(corpus, tmp_path, monkeypatch, short_sae_training):
    from bertopic_saetm.cli import main

    monkeypatch.chdir(tmp_path)
    n = 300
    Path("docs.jsonl").write_text("\n".join(
        json.dumps({"body": text, "area": label})
        for text, label in zip(corpus.texts[:n], corpus.labels[:n], strict=True)))
    np.save("emb.npy", corpus.embeddings[:n])
    Path("new.csv").write_text("text\n" + "\n".join(
        json.dumps(t.replace("\n", " ")) for t in corpus.texts[n : n + 5]) + "\n")
    lines = [line for line in blocks("console")[0].splitlines() if line.startswith("saetm ")]
    assert len(lines) >= 6
    for line in lines:
        assert main(shlex.split(line)[1:]) == 0, line
    assert np.load("theta.npy").shape == (5, 4)
