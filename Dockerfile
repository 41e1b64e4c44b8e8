# Refloop API image: migrations, then uvicorn. Configure it with environment variables
# (README.md lists them); it never starts embedded servers: DATABASE_URL and REDIS_URL
# must point at a real PostgreSQL and Redis. The worker runs from the same image:
#   docker run ... refloop worker
# Kubernetes runs migrations as a Job and the API without them (deploy/k8s, docs/operations.md).
# The web app (frontend/dist) is not part of this image: serve its build separately.
#
# The base is an argument so that a machine with no registry can build on a local image of the
# same Python (deploy/build-and-check.sh makes one): --build-arg BASE_IMAGE=localhost/python:3.11-slim
ARG BASE_IMAGE=python:3.11-slim

# --- build: wheels for the app and every dependency, at the versions in deploy/constraints.txt --
FROM ${BASE_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml ./
COPY deploy/constraints.txt ./deploy/
COPY api ./api
COPY domain ./domain
COPY integrations ./integrations
COPY workers ./workers
COPY seed ./seed
RUN pip wheel --wheel-dir /wheels --constraint deploy/constraints.txt .

# --- run: slim, no compilers, no sources beyond what migrations need ----------------
FROM ${BASE_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    REFLOOP_ENVIRONMENT=production \
    REFLOOP_LOG_JSON=true
RUN groupadd --system --gid 10001 refloop \
 && useradd --system --uid 10001 --gid refloop --home-dir /app --shell /usr/sbin/nologin refloop
# The wheels are mounted from the builder, not copied: a COPY layer would keep them in the image.
# Only wheels the builder made are installable (--no-index), so every version is the pinned one.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels /wheels/refloop-*.whl
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
# Numeric, so Kubernetes' runAsNonRoot can tell it is not root (deploy/k8s runs as 10001 too).
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]
# exec: uvicorn becomes PID 1's replacement and gets SIGTERM from `docker stop` directly.
# PORT moves it (8000 unless set), e.g. beside other servers on a host network.
CMD ["sh", "-c", "alembic upgrade head && exec uvicorn api.main:create_app --factory --host 0.0.0.0 --port \"${PORT:-8000}\" --proxy-headers --forwarded-allow-ips='*'"]
