#!/usr/bin/env bash
# The README's test command: installs what the suite needs but Cargo cannot fetch (Debian
# packages, when missing), then runs the whole workspace test suite. Arguments go to
# `cargo test --workspace`, e.g. `tests/run.sh -- --nocapture`.
#
# What the suite needs beyond Rust:
#   libfaketime (Debian `faketime`)   the wall-clock jump test (tests/blackbox/clock.rs)
#   Java 17 and Maven                 the real RocketMQ peers (tests/acceptance/peers.sh)
#   openssl                           certificates of the TLS tests
#   flock (util-linux)                port reservations (tests/ports.sh)
#   Node.js and npm                   the Node gRPC client through the proxy (tests/acceptance/proxy.rs)
#   haproxy                           a real PROXY protocol sender (tests/blackbox/proxy_protocol.rs)
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: update once, only if an install fails.
apt_install() {
  echo "tests/run.sh: installing $*" >&2
  $sudo apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "$@" >/dev/null; }
}

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}

[ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || apt_install faketime
command -v openssl >/dev/null || apt_install openssl
command -v flock >/dev/null || apt_install util-linux
# The package's own service is not wanted (the test runs its own); no init system starts it
# in a container anyway.
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || apt_install haproxy

if ! command -v java >/dev/null || ! command -v javac >/dev/null \
    || [ "$(java_major)" -lt 17 ] 2>/dev/null; then
  apt_install openjdk-17-jdk-headless
  # An older default JDK stays the default; put 17 first for this run.
  if [ "$(java_major)" != 17 ] && [ -x "/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture)/bin/java" ]; then
    export JAVA_HOME="/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture)"
    export PATH="$JAVA_HOME/bin:$PATH"
  fi
fi
command -v mvn >/dev/null || apt_install maven
{ command -v node >/dev/null && command -v npm >/dev/null; } || apt_install nodejs npm

exec cargo test --workspace "$@"
