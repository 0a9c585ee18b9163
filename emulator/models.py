"""Building and serialising aiogram types exactly as Telegram would send them."""
from __future__ import annotations

from typing import Any

from aiogram.client.default import Default
from pydantic import BaseModel

# Telegram's service accounts.
TELEGRAM_SERVICE_ID = 777000
GROUP_ANONYMOUS_BOT_ID = 1087968824
CHANNEL_BOT_ID = 136817688


def build(cls, **data):
    """Validate `cls` from data, defaulting its required bool fields to False and Default()s to None."""
    for name, field in cls.model_fields.items():
        key = field.alias or name
        if name in data or key in data:
            continue
        if field.is_required() and field.annotation is bool:
            data[name] = False
        elif isinstance(field.default, Default):
            data[name] = None
    return cls.model_validate(data)


def dump(obj: Any) -> Any:
    """JSON-ready form: aiogram objects dumped by alias without None (`from_user` -> `from`)."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json", exclude_none=True, by_alias=True)
    if isinstance(obj, (list, tuple)):
        return [dump(x) for x in obj]
    if isinstance(obj, dict):
        return {k: dump(v) for k, v in obj.items()}
    return obj
