FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY application ./application
COPY projections ./projections
COPY api ./api
COPY infra ./infra
COPY entrypoints ./entrypoints
RUN pip install --no-cache-dir .
ENTRYPOINT ["vledger"]
