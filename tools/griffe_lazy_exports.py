"""Griffe extension for the docs build (mkdocs.yml): the lazily imported public names.

``bertopic_saetm.backends`` and ``sae_lens_bridge`` list some public names in ``__all__`` but
import them on first use (``__getattr__`` over a ``_LAZY`` table, so that importing the
package does not import BERTopic). Griffe reads modules statically and does not see them, so
``::: bertopic_saetm.backends.set_n_topics`` would not resolve. For every such name this
extension imports the package, finds where the object is defined and adds an alias there:
the docs name only public paths, and follow the inner module layout wherever it moves.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path

import griffe

#: The repository root: the package documented is the one next to mkdocs.yml, not whichever
#: copy is installed (the ``mkdocs`` script does not put the working directory on sys.path).
ROOT = str(Path(__file__).resolve().parents[1])


class LazyExports(griffe.Extension):
    """Alias each name of a module's ``__all__`` that only its ``__getattr__`` provides."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs) -> None:
        for module in _modules(pkg):
            if "__all__" not in module.members or "__getattr__" not in module.members:
                continue
            if sys.path[:1] != [ROOT]:
                sys.path.insert(0, ROOT)
            with warnings.catch_warnings():  # a deprecated inner path is not the docs' concern
                warnings.simplefilter("ignore", DeprecationWarning)
                runtime = importlib.import_module(module.path)
                exported = {name: getattr(runtime, name) for name in runtime.__all__
                            if name not in module.members}
            for name, obj in exported.items():
                defined = getattr(obj, "__module__", None)
                if defined is None or not hasattr(obj, "__qualname__"):  # a constant
                    defined = _LAZY_module(runtime, name)
                    target = f"{defined}.{name}"
                else:
                    target = f"{defined}.{obj.__qualname__}"
                module.set_member(name, griffe.Alias(name, target, parent=module))


def _LAZY_module(runtime, name: str) -> str:  # noqa: N802 - named after the table it reads
    return f"{runtime.__name__}.{runtime._LAZY[name]}"


def _modules(module: griffe.Module):
    yield module
    for member in module.modules.values():
        yield from _modules(member)
