# The service (FastAPI gateway, action server, console, channels): Python 3.11, built from requirements/service.lock.
# The knowledge matcher is built here, at image build time, so that a container answers within seconds of starting.
#   docker build -f deploy/service.Dockerfile -t glueckauf-service .
FROM python:3.11-slim AS build
WORKDIR /app
RUN python -m venv /venv
COPY requirements/service.lock requirements/service.lock
RUN /venv/bin/pip install --no-cache-dir --no-deps -r requirements/service.lock
COPY bot bot
COPY actions actions
COPY engine engine
COPY knowledge knowledge
COPY data/nlu data/nlu
ENV PYTHONPATH=/app CACHE_DIR=/app/cache
RUN /venv/bin/python -m bot kb-index

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app glueckauf
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build --chown=glueckauf /app /app
# One OpenMP thread for the sentence embedder: several threads per process spin on a busy machine and halve
# throughput (make bench-load).
ENV PATH=/venv/bin:$PATH PYTHONPATH=/app CACHE_DIR=/app/cache PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
USER glueckauf
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
# Migrations run once per deployment (`python -m bot migrate`, the compose file's `migrate` service), not here.
# Client addresses behind Caddy: TRUSTED_PROXIES (the app reads X-Forwarded-For only from there).
CMD ["uvicorn", "--factory", "bot.app:app_from_environment", "--host", "0.0.0.0", "--port", "8000", "--ws-max-size", "65536"]
