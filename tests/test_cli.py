"""The saetm command line, run in-process on a small slice of the bundled corpus."""

import json

import numpy as np
import pytest

from bertopic_saetm import SAETopicModel
from bertopic_saetm.cli import main

N = 400


@pytest.fixture(scope="module")
def files(corpus, tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    jsonl = root / "docs.jsonl"
    jsonl.write_text("\n".join(json.dumps({"body": t, "area": a})
                               for t, a in zip(corpus.texts[:N], corpus.labels[:N],
                                               strict=True)))
    np.save(root / "emb.npy", corpus.embeddings[:N])
    return root


@pytest.fixture(scope="module")
def model_dir(files):
    out = files / "model"
    code = main(["fit", str(files / "docs.jsonl"), "--text-field", "body", "--embeddings",
                 str(files / "emb.npy"), "--n-topics", "5", "--quiet", "-o", str(out)])
    assert code == 0
    return out


def test_fit_saves_a_loadable_model(model_dir, capsys):
    model = SAETopicModel.load(model_dir)
    assert model.n_topics_ == 5
    assert main(["topics", str(model_dir), "--top-n", "4"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["topic", "share", "atoms", "top", "words"]
    assert len(table) == 7 and all(len(line.split()) == 3 + 4 for line in table[1:6])
    assert table[6].split()[0] == "-1" and "background" in table[6]


@pytest.mark.parametrize("flag", ["--preset", "--dictionary"])
def test_fit_preset_reaches_the_saved_model(files, tmp_path, capsys, flag):
    # --dictionary is 0.1.0's name for --preset, accepted with a warning.
    from bertopic_saetm import SAETrainingConfig

    out = tmp_path / "sparser"
    assert main(["fit", str(files / "docs.jsonl"), "--text-field", "body", "--embeddings",
                 str(files / "emb.npy"), "--n-topics", "5", "--quiet", flag,
                 "sparser", "-o", str(out)]) == 0
    model = SAETopicModel.load(out)
    assert model.sae_config == SAETrainingConfig.sparser(device="auto")
    assert model.sae_.d_sae == 2 * SAETrainingConfig().atoms_for(N, model.sae_.d_in)
    warned = "--dictionary is now --preset" in capsys.readouterr().err
    assert warned == (flag == "--dictionary")


def test_fit_max_topics_sizes_the_dictionary(files, tmp_path):
    from bertopic_saetm import SAETrainingConfig

    out = tmp_path / "wide"
    assert main(["fit", str(files / "docs.jsonl"), "--text-field", "body", "--embeddings",
                 str(files / "emb.npy"), "--n-topics", "5", "--quiet", "--max-topics", "100",
                 "-o", str(out)]) == 0
    model = SAETopicModel.load(out)
    assert model.sae_config == SAETrainingConfig(device="auto", max_topics=100)
    assert model.sae_.d_sae == model.sae_config.atoms_for(N, model.sae_.d_in) > \
        SAETrainingConfig().atoms_for(N, model.sae_.d_in)


def test_retopic_rewrites_the_model(files, model_dir, capsys, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    assert main(["retopic", str(copy), "3"]) == 0
    assert "no retraining" in capsys.readouterr().out
    assert SAETopicModel.load(copy).n_topics_ == 3


@pytest.mark.parametrize("suffix", [".npy", ".csv"])
def test_transform_writes_mixtures(files, model_dir, tmp_path, suffix):
    out = tmp_path / f"theta{suffix}"
    assert main(["transform", str(model_dir), str(files / "docs.jsonl"), "--text-field", "body",
                 "--embeddings", str(files / "emb.npy"), "-o", str(out)]) == 0
    theta = np.load(out) if suffix == ".npy" else np.loadtxt(out, delimiter=",", skiprows=1)
    assert theta.shape == (N, 5)
    expected = SAETopicModel.load(model_dir).transform(embeddings=np.load(files / "emb.npy"))
    np.testing.assert_allclose(theta, expected, rtol=1e-5, atol=1e-6)


def test_evaluate_prints_scores_with_labels(files, model_dir, capsys):
    assert main(["evaluate", str(model_dir), str(files / "docs.jsonl"), "--text-field", "body",
                 "--labels", "area", "--embeddings", str(files / "emb.npy"), "--no-cv",
                 "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert {"npmi", "td25", "purity", "nmi"} <= set(scores)
    assert 0 < scores["purity"] <= 1


def test_export_sae_is_readable_by_sae_lens(model_dir, tmp_path):
    sae_lens = pytest.importorskip("sae_lens")
    assert main(["export-sae", str(model_dir), str(tmp_path / "sae")]) == 0
    theirs = sae_lens.SAE.load_from_disk(tmp_path / "sae")
    assert theirs.cfg.d_sae == SAETopicModel.load(model_dir).sae_.d_sae


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["topics", "no/such/model"], "saetm.json is missing"),
        (["fit", "no/such/file.txt", "-o", "x"], "No such file or folder"),
        (["fit", "{docs}", "--text-field", "content", "-o", "x"], "no 'content' field"),
        (["fit", "{empty}", "-o", "x"], "contains no documents"),
        (["retopic", "{model}", "0"], "n_topics must be at least 1"),
    ],
)
def test_user_mistakes_exit_2_without_traceback(files, model_dir, capsys, argv, message):
    (files / "empty.txt").write_text("\n\n")
    argv = [a.format(docs=files / "docs.jsonl", empty=files / "empty.txt", model=model_dir)
            for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
