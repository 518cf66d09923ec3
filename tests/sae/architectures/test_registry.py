"""The architecture registry: built-in names, refused registrations, errors naming the known."""

import numpy as np
import pytest
import torch

from bertopic_saetm.sae import SAEConfig, SAETrainingConfig, SparseAutoencoder
from bertopic_saetm.sae.architectures import (
    ArchitectureRegistry,
    JumpReLUArchitecture,
    SAEArchitecture,
    StandardArchitecture,
    TopKArchitecture,
    architecture_names,
    get_architecture,
    register_architecture,
    trainable_architecture_names,
)

BUILT_IN = ("standard", "topk", "jumprelu")


class Relu(SAEArchitecture):
    @classmethod
    def architecture(cls):
        return "relu"

    @classmethod
    def activate(cls, pre, sae):
        return pre.relu()


class OtherRelu(Relu):
    """Another class claiming the same name."""


def test_built_in_architectures_are_registered_under_their_sae_lens_names():
    assert architecture_names() == BUILT_IN
    assert trainable_architecture_names() == ("standard", "topk")
    assert get_architecture("standard") is StandardArchitecture
    assert get_architecture("topk") is TopKArchitecture
    assert get_architecture("jumprelu") is JumpReLUArchitecture
    # The 0.1.0 constants still import, computed from the registry.
    from bertopic_saetm.sae.config import ARCHITECTURES, TRAINABLE_ARCHITECTURES

    assert ARCHITECTURES == BUILT_IN and TRAINABLE_ARCHITECTURES == ("standard", "topk")


def test_a_fresh_registry_registers_and_refuses_a_second_class_under_the_same_name():
    registry = ArchitectureRegistry()
    assert registry.names() == () and "relu" not in registry
    assert registry.register(Relu) is Relu  # returned, so it works as a decorator
    assert registry.get("relu") is Relu and "relu" in registry
    for again in (Relu, OtherRelu):
        with pytest.raises(ValueError, match=r"'relu' is already registered .*Relu"):
            registry.register(again)
    assert registry.get("relu") is Relu, "a refused registration must not replace the first"
    assert registry.unregister("relu") is Relu and registry.names() == ()
    registry.register(OtherRelu)  # the name is free again
    assert registry.get("relu") is OtherRelu


def test_the_package_registry_refuses_to_replace_a_built_in():
    class FakeTopK(Relu):
        @classmethod
        def architecture(cls):
            return "topk"

    with pytest.raises(ValueError, match="'topk' is already registered.*TopKArchitecture"):
        register_architecture(FakeTopK)
    assert get_architecture("topk") is TopKArchitecture
    assert architecture_names() == BUILT_IN


def test_unknown_architecture_names_the_registered_ones():
    with pytest.raises(ValueError, match="Unknown SAE architecture 'gated'") as caught:
        get_architecture("gated")
    assert all(name in str(caught.value) for name in BUILT_IN)
    with pytest.raises(ValueError, match="standard, topk, jumprelu"):
        SAEConfig(4, 8, "gated")
    with pytest.raises(ValueError, match="standard, topk, jumprelu"):
        SAETrainingConfig(architecture="gated")
    with pytest.raises(ValueError, match="registered: none"):
        ArchitectureRegistry().get("standard")
    with pytest.raises(ValueError, match="Unknown SAE architecture"):
        get_architecture(["topk"])  # not a name at all: same error, not a TypeError
    with pytest.raises(ValueError, match="'gated'"):
        ArchitectureRegistry().unregister("gated")


def test_untrainable_architecture_names_the_trainable_ones():
    with pytest.raises(ValueError, match=r"Cannot train architecture 'jumprelu'.*'topk'"):
        SAETrainingConfig(architecture="jumprelu")


def test_incomplete_or_misnamed_classes_are_refused():
    registry = ArchitectureRegistry()

    class NoActivation(SAEArchitecture):
        @classmethod
        def architecture(cls):
            return "no_activation"

    class Unnamed(Relu):
        @classmethod
        def architecture(cls):
            return ""

    class Clashing(Relu):
        extra_parameters = ("W_enc",)

    with pytest.raises(TypeError, match="subclass of SAEArchitecture"):
        registry.register(object)
    with pytest.raises(TypeError, match="does not define activate"):
        registry.register(NoActivation)
    with pytest.raises(ValueError, match="non-empty string"):
        registry.register(Unnamed)
    with pytest.raises(ValueError, match="'W_enc' is not a usable parameter name"):
        registry.register(Clashing)
    assert registry.names() == ()


@pytest.mark.parametrize(("k", "match"), [(0, "k=0"), (65, "k=65"), (None, "k=None"),
                                          (2.0, "k=2.0"), (True, "k=True")])
def test_topk_validates_k(k, match):
    with pytest.raises(ValueError, match=match):
        SAEConfig(16, 64, "topk", k=k)


def test_topk_accepts_numpy_integers_and_validates_the_training_k():
    sae = SparseAutoencoder(SAEConfig(16, 64, "topk", k=np.int64(3)))
    with torch.no_grad():
        sae.b_enc.fill_(1.0)
        assert ((sae.encode(torch.randn(5, 16)) > 0).sum(dim=1) == 3).all()
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="k must be a positive integer"):
            SAETrainingConfig(architecture="topk", k=bad)
    SAETrainingConfig(architecture="standard", k=0)  # k is TopK's field: others ignore it
