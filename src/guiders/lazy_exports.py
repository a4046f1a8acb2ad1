"""A package's names imported on first use (PEP 562), for packages whose ``__init__`` would
otherwise import heavy modules with any of their light ones (``guiders.client``,
``guiders.knowledge``): Python runs a package's ``__init__`` before any of its modules."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, homes: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The package's ``__getattr__`` and ``__dir__``: ``homes`` maps each name to the module
    that defines it. A name is imported at its first use and kept in ``namespace`` (the
    package's globals), so the module is asked once; an import error surfaces there."""

    def getattr_(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *homes})

    return getattr_, dir_
