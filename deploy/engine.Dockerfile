# The engine (Rasa 3.6, Python 3.10), built from requirements/engine.lock; the model is trained at image build time.
#   docker build -f deploy/engine.Dockerfile -t glueckauf-engine .
FROM python:3.10-slim AS build
WORKDIR /app
RUN python -m venv /venv
COPY requirements/engine.lock requirements/engine.lock
RUN /venv/bin/pip install --no-cache-dir --no-deps -r requirements/engine.lock
COPY config.yml domain.yml credentials.yml ./
COPY data data
COPY engine engine
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false
RUN /venv/bin/rasa train --fixed-model-name current --out models --quiet

FROM python:3.10-slim
RUN useradd --system --uid 10001 --home-dir /app glueckauf
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build --chown=glueckauf /app/models models
COPY --from=build /app/engine engine
COPY --from=build /app/credentials.yml credentials.yml
COPY deploy/endpoints.yml endpoints.yml
# One OpenMP thread for the sentence embedder: several threads per process spin on a busy machine and halve
# throughput (make bench-load).
ENV PATH=/venv/bin:$PATH PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false HOME=/app OMP_NUM_THREADS=1
USER glueckauf
EXPOSE 5005
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/status', timeout=4)"]
CMD ["rasa", "run", "--enable-api", "--model", "models/current.tar.gz", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml", "--port", "5005"]
