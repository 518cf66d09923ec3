"""SAE architectures: one module per architecture, registered by name in :mod:`.registry`.

A new architecture is a module with a :class:`SAEArchitecture` subclass, registered with
:func:`register_architecture` (the built-in ones below, or from the caller's own code).
"""

from .base import SHARED_PARAMETERS, SAEArchitecture, cfg_int
from .jumprelu import JumpReLUArchitecture
from .registry import (
    ARCHITECTURE_REGISTRY,
    ArchitectureRegistry,
    architecture_names,
    get_architecture,
    register_architecture,
    trainable_architecture_names,
    unregister_architecture,
)
from .standard import StandardArchitecture
from .topk import TopKArchitecture

#: Registered when the package is imported, in this order (the order errors list them in).
BUILT_IN_ARCHITECTURES = (StandardArchitecture, TopKArchitecture, JumpReLUArchitecture)

for _cls in BUILT_IN_ARCHITECTURES:
    register_architecture(_cls)
del _cls

__all__ = [
    "SAEArchitecture",
    "ArchitectureRegistry",
    "ARCHITECTURE_REGISTRY",
    "BUILT_IN_ARCHITECTURES",
    "SHARED_PARAMETERS",
    "StandardArchitecture",
    "TopKArchitecture",
    "JumpReLUArchitecture",
    "architecture_names",
    "cfg_int",
    "get_architecture",
    "register_architecture",
    "trainable_architecture_names",
    "unregister_architecture",
]
