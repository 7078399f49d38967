# Prometheus for the trading ecosystem, from Debian's package. The configuration is bind-mounted by the
# compose file. BASE_IMAGE: any Debian bookworm image; the harness passes its offline base (Debian packages,
# prometheus already installed) when the default cannot be pulled.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN command -v prometheus >/dev/null \
    || { apt-get update && apt-get install -y --no-install-recommends prometheus python3 && rm -rf /var/lib/apt/lists/*; }
RUN mkdir -p /prometheus /etc/prometheus && chown -R prometheus:prometheus /prometheus
WORKDIR /prometheus
USER prometheus
EXPOSE 9090
ENTRYPOINT ["prometheus"]
