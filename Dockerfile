# syntax=docker/dockerfile:1
# Build stage: the same command the README gives.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q package -DskipTests

# Run stage: a JRE only (keytool, which generates the self-signed certificate, is part of it).
FROM eclipse-temurin:17-jre
RUN groupadd --system sipedge && useradd --system --gid sipedge --home-dir /data --shell /usr/sbin/nologin sipedge \
    && mkdir -p /data /opt/sip-edge && chown sipedge:sipedge /data
COPY --from=build /src/sip-edge/target/sip-edge.jar /opt/sip-edge/sip-edge.jar
COPY config/edge.yaml /opt/sip-edge/edge.yaml
ENV SIPEDGE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 5060/udp 5060/tcp 5061/tcp 5066/tcp 7443/tcp 8080/tcp
USER sipedge
WORKDIR /data
# Exit on OOM so the orchestrator restarts a clean process instead of a half-dead one.
# Parallel GC: short young pauses for the short-lived garbage of each request; bindings live as long
# as their phones and are promoted early so young collections stop copying them (BENCHMARKS.md).
ENTRYPOINT ["java", "-XX:+UseParallelGC", "-XX:MaxTenuringThreshold=1", "-XX:MetaspaceSize=64m", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/sip-edge/sip-edge.jar"]
