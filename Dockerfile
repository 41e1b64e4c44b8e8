# Refloop API image: migrations, then uvicorn. Configure it with environment variables
# (README.md lists them); it never starts embedded servers: DATABASE_URL and REDIS_URL
# must point at a real PostgreSQL and Redis. The worker runs from the same image:
#   docker run ... refloop worker
# The web app (frontend/dist) is not part of this image: serve its build separately.

# --- build: wheels for the app and every dependency ---------------------------------
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml ./
COPY api ./api
COPY domain ./domain
COPY integrations ./integrations
COPY workers ./workers
RUN pip wheel --wheel-dir /wheels .

# --- run: slim, no compilers, no sources beyond what migrations need ----------------
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    REFLOOP_ENVIRONMENT=production \
    REFLOOP_LOG_JSON=true
RUN groupadd --system --gid 10001 refloop \
 && useradd --system --uid 10001 --gid refloop --home-dir /app --shell /usr/sbin/nologin refloop
COPY --from=builder /wheels /wheels
RUN pip install --no-index --find-links=/wheels refloop && rm -rf /wheels
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
USER refloop:refloop
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# exec: uvicorn becomes PID 1's replacement and gets SIGTERM from `docker stop` directly.
CMD ["sh", "-c", "alembic upgrade head && exec uvicorn api.main:create_app --factory --host 0.0.0.0 --port 8000 --proxy-headers --forwarded-allow-ips='*'"]
