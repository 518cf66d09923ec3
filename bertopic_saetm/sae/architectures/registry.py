"""Registry of SAE architectures, keyed by ``architecture()`` as in SAE-Lens.

:class:`SAEConfig`, :class:`SAETrainingConfig`, :class:`SparseAutoencoder`,
:func:`train_sae` and the SAE-Lens reader and writer look an architecture up here instead of
branching on its name, so a new one is a subclass of :class:`SAEArchitecture` and a call to
:func:`register_architecture`, without editing those modules.
"""

from __future__ import annotations

from .base import SHARED_PARAMETERS, SAEArchitecture


class ArchitectureRegistry:
    """Architecture classes by name, in registration order.

    The package uses one, :data:`ARCHITECTURE_REGISTRY` (through the module functions
    below); separate instances exist for tests and for code that wants its own set.
    """

    def __init__(self):
        self._classes: dict[str, type[SAEArchitecture]] = {}

    def register(self, cls: type[SAEArchitecture]) -> type[SAEArchitecture]:
        """Add ``cls`` under ``cls.architecture()``; returns ``cls`` (usable as a decorator).

        Raises
        ------
        TypeError
            When ``cls`` is not a complete :class:`SAEArchitecture` subclass.
        ValueError
            When its name is not a non-empty string, is already registered, or an extra
            parameter's name is not usable.
        """
        if not (isinstance(cls, type) and issubclass(cls, SAEArchitecture)):
            raise TypeError(f"An SAE architecture must be a subclass of SAEArchitecture, "
                            f"got {cls!r}.")
        # The methods are class methods, so ABC's instantiation check never runs: check here
        # that the abstract ones were written.
        if cls.__abstractmethods__:
            raise TypeError(f"{cls.__qualname__} does not define "
                            f"{', '.join(sorted(cls.__abstractmethods__))}.")
        name = cls.architecture()
        if not isinstance(name, str) or not name:
            raise ValueError(f"{cls.__qualname__}.architecture() must return a non-empty "
                             f"string, got {name!r}.")
        if name in self._classes:
            owner = self._classes[name]
            raise ValueError(f"SAE architecture {name!r} is already registered (by "
                             f"{owner.__module__}.{owner.__qualname__}); unregister it first "
                             "or give the new class another architecture() name.")
        for extra in cls.extra_parameters:
            if not extra.isidentifier() or extra in SHARED_PARAMETERS:
                raise ValueError(f"{cls.__qualname__}.extra_parameters: {extra!r} is not a "
                                 f"usable parameter name (identifiers other than "
                                 f"{', '.join(SHARED_PARAMETERS)}).")
        self._classes[name] = cls
        return cls

    def unregister(self, name: str) -> type[SAEArchitecture]:
        """Remove the architecture called ``name`` and return its class."""
        cls = self.get(name)
        del self._classes[name]
        return cls

    def get(self, name: str) -> type[SAEArchitecture]:
        """The class registered as ``name``; ValueError naming the registered ones if none."""
        if not isinstance(name, str) or name not in self._classes:
            raise ValueError(f"Unknown SAE architecture {name!r}; registered: "
                             f"{', '.join(self.names()) or 'none'}.")
        return self._classes[name]

    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order."""
        return tuple(self._classes)

    def trainable_names(self) -> tuple[str, ...]:
        """Names of the architectures :func:`train_sae` can train."""
        return tuple(name for name, cls in self._classes.items() if cls.trainable)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in self._classes


#: The registry the package consults.
ARCHITECTURE_REGISTRY = ArchitectureRegistry()


def register_architecture(cls: type[SAEArchitecture]) -> type[SAEArchitecture]:
    """Register ``cls`` in the package's registry (see :meth:`ArchitectureRegistry.register`).

    Refuses a second class under a name already taken, built-in ones included.
    """
    return ARCHITECTURE_REGISTRY.register(cls)


def unregister_architecture(name: str) -> type[SAEArchitecture]:
    """Remove ``name`` from the package's registry and return its class."""
    return ARCHITECTURE_REGISTRY.unregister(name)


def get_architecture(name: str) -> type[SAEArchitecture]:
    """The architecture class registered as ``name`` (ValueError naming the known ones)."""
    return ARCHITECTURE_REGISTRY.get(name)


def architecture_names() -> tuple[str, ...]:
    """Names of the registered architectures."""
    return ARCHITECTURE_REGISTRY.names()


def trainable_architecture_names() -> tuple[str, ...]:
    """Names of the registered architectures :func:`train_sae` can train."""
    return ARCHITECTURE_REGISTRY.trainable_names()
