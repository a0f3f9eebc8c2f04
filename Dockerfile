# syntax=docker/dockerfile:1
# Build stage: the same command the README gives.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies in a layer of their own, rebuilt only when a pom changes: packaging the bare poms
# resolves exactly the dependencies and plugins the real build uses. (dependency:go-offline does
# not: it also resolves netty's optional netty-tcnative, whose OS classifier is a property that
# only the os-maven-plugin sets, and fails.)
COPY pom.xml ./
COPY shared-model/pom.xml shared-model/
COPY provisioning-http/pom.xml provisioning-http/
COPY sip-edge/pom.xml sip-edge/
COPY loadtest/pom.xml loadtest/
RUN mvn -B -q package -DskipTests && rm -rf ./*/target
COPY . .
# Offline: the layer above must hold everything, or the build says so here.
RUN mvn -B -q -o package -DskipTests

# Run stage: a JRE only (keytool, which generates the self-signed certificate, is part of it).
FROM eclipse-temurin:17-jre
RUN groupadd --system sipedge && useradd --system --gid sipedge --home-dir /data --shell /usr/sbin/nologin sipedge \
    && mkdir -p /data /opt/sip-edge && chown sipedge:sipedge /data
COPY --from=build /src/sip-edge/target/sip-edge.jar /opt/sip-edge/sip-edge.jar
COPY config/edge.yaml /opt/sip-edge/edge.yaml
# The shipped file is read (mount your own over it, or point SIPEDGE_CONFIG elsewhere); variables
# and arguments (`docker run … sip-edge --set key=value`) override it.
ENV SIPEDGE_CONFIG=/opt/sip-edge/edge.yaml \
    SIPEDGE_DATA_DIR=/data
# The README's production options (BENCHMARKS.md has the figures): a fixed 1 GiB heap, so give the
# container 1.5 GiB or more, or replace them with `-e JDK_JAVA_OPTIONS=…`. The java launcher reads
# this variable itself, so the entry point needs no shell. Parallel GC: short young pauses for the
# short-lived garbage of each request; bindings live as long as their phones and are promoted early
# so young collections stop copying them. Exit on OOM so the orchestrator restarts a clean process.
ENV JDK_JAVA_OPTIONS="-Xms1g -Xmx1g -XX:+UseParallelGC -Xmn640m -XX:SurvivorRatio=3 -XX:-UseAdaptiveSizePolicy -XX:MaxTenuringThreshold=1 -XX:MetaspaceSize=64m -XX:+ExitOnOutOfMemoryError"
VOLUME ["/data"]
EXPOSE 5060/udp 5060/tcp 5061/tcp 5066/tcp 7443/tcp 8080/tcp
USER sipedge
WORKDIR /data
# Ready = /readyz answers 200 on http.port. No HTTP client is part of a JRE, whether the base
# image carries curl or wget is upstream's choice, and a JVM per probe costs a second of CPU; so
# bash, which the Ubuntu base always has, speaks the one request itself over /dev/tcp. It asks
# loopback: with http.address set to one specific address, change the probe; and it reads the port
# from SIPEDGE_HTTP_PORT, not from a mounted file.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SIPEDGE_HTTP_PORT:-8080} && printf 'GET /readyz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r -t 4 _ status _ <&3 && [ \"$status\" = 200 ]"]
ENTRYPOINT ["java", "-jar", "/opt/sip-edge/sip-edge.jar"]
