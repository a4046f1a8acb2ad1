# syntax=docker/dockerfile:1
# Guiders server and workers in one image (docs/deployment.md, "Containers").
# Stages: web assets (Node) -> Python wheels and offline models -> a slim non-root runtime.

FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/guiders
ENV PATH=/opt/guiders/bin:$PATH
COPY requirements/constraints.txt requirements/constraints.txt
# torch first, pinned (a CPU-only wheel index may be given with --build-arg PIP_EXTRA_INDEX_URL)
ARG PIP_EXTRA_INDEX_URL
RUN pip install -c requirements/constraints.txt torch==2.13.0
COPY pyproject.toml README.md ./
COPY src/ src/
COPY --from=web /src/src/guiders/web/static/ src/guiders/web/static/
RUN pip install -c requirements/constraints.txt .
# The offline models are built into the image, so a container answers at its first request:
# the demo knowledge base's intent model and the conversion model (no download at run time).
COPY data/ data/
RUN HF_HUB_OFFLINE=1 guiders kb train --data src/guiders/ai/demo_kb.yaml \
        --out /opt/guiders-models/demo_kb --threads 1 \
 && guiders analytics train --csv data/online-shoppers/train.csv \
        --out /opt/guiders-models/conversion

FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/guiders/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    GUIDERS_ENVIRONMENT=production \
    GUIDERS_PROFILE=production \
    GUIDERS_DATA_DIR=/var/lib/guiders \
    GUIDERS_ANALYTICS_MODEL_DIR=/opt/guiders-models/conversion \
    GUIDERS_BOT_KB_MODEL_DIR=/opt/guiders-models/demo_kb
RUN groupadd --system --gid 10001 guiders \
 && useradd --system --uid 10001 --gid guiders --home-dir /var/lib/guiders guiders \
 && mkdir -p /var/lib/guiders && chown guiders:guiders /var/lib/guiders
COPY --from=build /opt/guiders /opt/guiders
COPY --from=build /opt/guiders-models /opt/guiders-models
USER 10001:10001
WORKDIR /var/lib/guiders
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=2).status == 200 else 1)"]
CMD ["guiders", "serve", "--host", "0.0.0.0", "--port", "8000"]
