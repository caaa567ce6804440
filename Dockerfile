# Dockerfile - careerbot in two stages on Debian 12 (bookworm-slim):
#   build:   the -dev packages and `make build/careerbot`
#   runtime: only the shared libraries, a non-root user, the binary, the
#            knowledge base and the example config.
# Knowledge and history live in volumes (/app/knowledge, /app/data). The
# HEALTHCHECK is `careerbot healthcheck --live` (no curl in the image): it
# asks /livez, so a Slack or Discord outage does not mark the container
# unhealthy (restarting would not help); readiness is /readyz and the
# careerbot_platform_connected gauge.

FROM debian:bookworm-slim AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential pkg-config libcurl4-openssl-dev libwebsockets-dev \
        libjansson-dev libpcre2-dev libutf8proc-dev libstemmer-dev libuv1-dev \
        libsqlite3-dev libssl-dev libedit-dev libfyaml-dev libmd4c-dev liburiparser-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY bot ./bot
COPY handlers ./handlers
# built into the binary (.incbin) as the small talk and stop words of a
# folder without its own
COPY knowledge/smalltalk.yaml knowledge/stopwords.txt ./knowledge/
RUN make -j"$(nproc)" build/careerbot

FROM debian:bookworm-slim AS runtime
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates libcurl4 libwebsockets17 libwebsockets-evlib-uv \
        libjansson4 libpcre2-8-0 libutf8proc2 libstemmer0d libuv1 libsqlite3-0 libssl3 libedit2 libfyaml0 libmd4c0 liburiparser1 wamerican \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app --uid 10001 careerbot
WORKDIR /app
COPY --from=build /src/build/careerbot /usr/local/bin/careerbot
COPY knowledge ./knowledge
COPY config/careerbot.conf.example ./careerbot.conf
RUN mkdir -p /app/data && chown -R careerbot:careerbot /app
USER careerbot
ENV CAREERBOT_CONFIG=/app/careerbot.conf \
    CAREERBOT_KB=/app/knowledge \
    CAREERBOT_HISTORY_PATH=/app/data/careerbot.db \
    CAREERBOT_KNOWLEDGE_CACHE_DIR=/app/data/model-cache \
    CAREERBOT_HEALTH_LISTEN=127.0.0.1:8080
VOLUME ["/app/knowledge", "/app/data"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["careerbot", "healthcheck", "--live"]
ENTRYPOINT ["careerbot"]
CMD ["run"]
