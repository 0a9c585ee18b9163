# Production image: the bot with its default multilingual model baked in at build time.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 HF_HOME=/models \
    KEEPER_DB=/data/keeper.db KEEPER_EMBEDDING_MODEL=intfloat/multilingual-e5-small
WORKDIR /app

# torch first, pinned, so sentence-transformers does not pull another build.
# For a small CPU-only image, pass the PyTorch CPU wheel index: --build-arg PIP_EXTRA_INDEX_URL=...
ARG PIP_EXTRA_INDEX_URL=
RUN pip install "torch==2.13.0"

COPY pyproject.toml README.md ./
COPY archive ./archive
COPY moderation ./moderation
COPY bot ./bot
COPY keeper ./keeper
RUN pip install .
# The texts (bot/locales/*/LC_MESSAGES/keeper.po) ship as package data and compile in memory: no
# pybabel step, nothing to go stale. Fail the build if the installed package lacks them (run outside /app).
RUN cd / && python -c "from bot.i18n import LANGS, i18n; assert sorted(i18n().available_locales) == sorted(LANGS)"

# Pre-load the default model so the running container never needs the network for it.
RUN python -c "from archive.embeddings import load_embedder; load_embedder()"
ENV HF_HUB_OFFLINE=1

VOLUME ["/data"]
CMD ["keeper", "run"]
