"""Import aiogram without building all its ~590 pydantic models (types and methods) up front.

aiogram's models say `defer_build=True`, yet `aiogram/types/__init__.py` ends by calling
`model_rebuild()` on every type, which builds a validator and serializer for each
(aiogram issue #1513). That costs about 100 MB of resident memory and 2 s of start-up;
the bot uses a few dozen of the types. `import_aiogram_lazily()` imports aiogram with
that loop made a no-op, then gives each types/methods module the names the loop would
have resolved forward references with, so pydantic builds a model the first time it is
used, from its own module's namespace, exactly as it would have at import.

Call it before anything imports aiogram (`bot/__init__.py` does). If aiogram is already
imported it does nothing: the models are built already, which is correct, only heavier.
"""
from __future__ import annotations

import sys
import typing

import pydantic


def import_aiogram_lazily() -> None:
    eager_rebuild = pydantic.BaseModel.__dict__.get("model_rebuild")
    if "aiogram" in sys.modules or eager_rebuild is None:  # too late, or a pydantic unlike 2.x
        import aiogram  # noqa: F401
        return
    pydantic.BaseModel.model_rebuild = classmethod(lambda cls, *args, **kwargs: None)
    try:
        import aiogram.types
        from aiogram.client.default import Default
    finally:
        pydantic.BaseModel.model_rebuild = eager_rebuild
    namespace = {"List": list, "Optional": typing.Optional, "Union": typing.Union,
                 "Literal": typing.Literal, "Default": Default}
    namespace.update((name, getattr(aiogram.types, name)) for name in aiogram.types.__all__)
    for name, module in list(sys.modules.items()):
        if name.startswith(("aiogram.types.", "aiogram.methods.")) and module is not None:
            for key, value in namespace.items():
                module.__dict__.setdefault(key, value)
