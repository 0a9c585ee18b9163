"""Suite-wide, and the one place it is said: no test reaches the network (the default model
comes in a package; a named Hugging Face model must already be in the local cache)."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import bot  # noqa: E402,F401  aiogram imported lazily, as the bot process does, before the emulator imports it
