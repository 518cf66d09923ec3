"""Import paths of 0.1.0 keep working for one release, with a DeprecationWarning."""

import importlib

import pytest

from bertopic_saetm.deprecated_paths import MOVED_MODULES, SPLIT_MODULES


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_a_moved_module_gives_the_new_modules_objects(old):
    new = importlib.import_module(MOVED_MODULES[old])
    public = [n for n in vars(new) if not n.startswith("_") and callable(getattr(new, n))]
    name = public[0]
    stand_in = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=f"{old}.{name} moved to {new.__name__}"):
        assert getattr(stand_in, name) is getattr(new, name)


def test_names_of_the_split_merging_module_are_found_where_they_went():
    from bertopic_saetm.merge.partition import cluster_atoms
    from bertopic_saetm.merge.topic_words import topic_word_weights

    with pytest.warns(DeprecationWarning, match="merging.word_weights moved"):
        from bertopic_saetm.merging import word_weights
    with pytest.warns(DeprecationWarning):
        from bertopic_saetm.merging import cluster_atoms as old_cluster_atoms
    assert word_weights is topic_word_weights and old_cluster_atoms is cluster_atoms
    for old, target in SPLIT_MODULES["bertopic_saetm.merging"].items():
        module, name = target.split(":")
        assert hasattr(importlib.import_module(module), name), (old, target)


def test_a_name_that_never_existed_is_an_import_error():
    with pytest.raises(ImportError):
        from bertopic_saetm.merging import no_such_name  # noqa: F401
    with pytest.raises(AttributeError, match="moved in 0.2"):
        importlib.import_module("bertopic_saetm.word_emission").no_such_name  # noqa: B018


def test_old_attribute_style_imports_work():
    with pytest.warns(DeprecationWarning):
        from bertopic_saetm import word_vector_cache

        assert word_vector_cache.cache_root is not None
