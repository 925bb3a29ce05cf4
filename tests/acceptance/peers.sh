#!/usr/bin/env bash
# Real Apache RocketMQ peers (broker, client programs, mqadmin, proxy) for the acceptance tests.
# ROCKETMQ_LINE=5 (default: 5.5.0, java/) or ROCKETMQ_LINE=4 (4.9.7, java49/) picks the line;
# ROCKETMQ_LINE=proxy (the 5.5.0 proxy, java-proxy/) and ROCKETMQ_LINE=grpc (the gRPC client
# rocketmq-client-java 5.0.x and our program for it, java-grpc/) pick the module `build` builds.
#
#   peers.sh build                      resolve from Maven Central (cached in ~/.m2), compile
#   peers.sh classpath                  print the classpath (after build)
#   peers.sh broker NAMESRV DIR PORT [CLUSTER] [NAME] [ID]
#                                       run a broker in the foreground (exec), store under DIR;
#                                       $BROKER_EXTRA_CONF lines are appended to its broker.conf
#   peers.sh produce NAMESRV TOPIC COUNT [INTERVAL_MS]
#   peers.sh consume NAMESRV TOPIC GROUP COUNT TIMEOUT_SECONDS
#   peers.sh nsload NAMESRV TOPIC QUERY_MS SEND_MS POLL_MS STOP_FILE MAX_SECONDS
#                                       route queries and sends until STOP_FILE exists,
#                                       counting failed calls (rolling_restart.sh)
#   peers.sh mqadmin ARGS...            org.apache.rocketmq.tools.command.MQAdminStartup
#                                       ($MQADMIN_HOME: its ROCKETMQ_HOME, e.g. with conf/tools.yml)
#   peers.sh javansrv DIR PORT          the Java name server, for comparisons (exec);
#                                       $JAVA_NAMESRV_OPTS replaces its JVM heap/GC options
#   peers.sh ctlconf DIR NS_PORT SELF_ID PEERS
#                                       write DIR/namesrv.properties for a controller node
#                                       (enableControllerInNamesrv, DLedger group1; PEERS as
#                                       n0-127.0.0.1:P0;n1-…); $CONTROLLER_EXTRA_CONF lines
#                                       appended; ours reads it with `namesrv -c`
#   peers.sh javactl DIR NS_PORT SELF_ID PEERS
#                                       the Java name server hosting that node (ctlconf, exec)
#   peers.sh ctlbroker NAMESRV CONTROLLERS DIR PORT [BROKER_NAME] [CLUSTER]
#                                       a broker in controller mode (brokerId -1, the
#                                       controllers assign it) in the foreground (exec);
#                                       $BROKER_EXTRA_CONF lines are appended to its broker.conf
#   peers.sh proxy NAMESRV DIR GRPC_PORT REMOTING_PORT [CLUSTER]
#                                       the 5.5.0 proxy in cluster mode in the foreground (exec),
#                                       config and logs under DIR (after ROCKETMQ_LINE=proxy build)
#   peers.sh grpc-client ENDPOINT KIND TOPIC GROUP COUNT INTERVAL_MS TIMEOUT_SECONDS
#                                       java-grpc's ProxyClient (after ROCKETMQ_LINE=grpc build);
#                                       $GRPC_CLIENT_LOG_DIR: where the client writes its log
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
module_dir() {
  case "$1" in
    4) echo "$here/java49" ;;
    5) echo "$here/java" ;;
    proxy) echo "$here/java-proxy" ;;
    grpc) echo "$here/java-grpc" ;;
    *) echo "peers.sh: ROCKETMQ_LINE must be 4, 5, proxy or grpc" >&2; return 2 ;;
  esac
}
java_dir="$(module_dir "${ROCKETMQ_LINE:-5}")" || exit 2
# The proxy and the gRPC client run from their own modules whatever the line.
case "${1:-}" in
  proxy) java_dir="$here/java-proxy" ;;
  grpc-client) java_dir="$here/java-grpc" ;;
esac
cp_file="$java_dir/target/full-classpath.txt"

client_jvm=(-Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto
            -Drocketmq.client.logUseSlf4j=false -Drocketmq.client.logLevel=WARN)
# $JAVA_EXTRA_OPTS (e.g. -Dtls.enable=true) goes to every client, tool and broker JVM.
read -r -a extra_jvm <<<"${JAVA_EXTRA_OPTS:-}"
client_jvm+=("${extra_jvm[@]}")

# 4.9.x brokers and tools refuse to start without a logback file under $ROCKETMQ_HOME/conf.
write_logback() {
  local file
  mkdir -p "$1/conf"
  for file in logback_broker.xml logback_tools.xml logback_namesrv.xml; do
    cat > "$1/conf/$file" <<'XML'
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
</configuration>
XML
  done
}

tools_home() {
  local home="${TMPDIR:-/tmp}/namesrv-peers-tools-home"
  [ -f "$home/conf/logback_tools.xml" ] || write_logback "$home"
  echo "$home"
}

classpath() {
  [ -s "$cp_file" ] || { echo "peers.sh: run 'peers.sh build' first (for $java_dir)" >&2; exit 2; }
  cat "$cp_file"
}

# write_ctl_conf DIR NS_PORT SELF_ID PEERS: DIR/namesrv.properties of a name server hosting a
# controller node. The same file serves Java's name server and ours (`namesrv -c`). The name
# server reads the controller's keys from its own properties file; the controller does not
# answer on listenPort but on this node's address in PEERS (DLedger's own server).
# mappedFileSize: DLedger's 1 GB default log file, down to 10 MB as Apache's
# ControllerManagerTest does; scanNotActiveBrokerInterval as there too.
write_ctl_conf() {
  local dir="$1" port="$2" self_id="$3" peers="$4"
  mkdir -p "$dir"
  write_logback "$dir"
  cat > "$dir/namesrv.properties" <<CONF
listenPort=$port
bindAddress=127.0.0.1
kvConfigPath=$dir/kvConfig.json
enableControllerInNamesrv=true
controllerDLegerGroup=group1
controllerDLegerPeers=$peers
controllerDLegerSelfId=$self_id
controllerStorePath=$dir/controller
mappedFileSize=10485760
scanNotActiveBrokerInterval=1000
${CONTROLLER_EXTRA_CONF:-}
CONF
}

# run_broker NAMESRV DIR PORT CLUSTER NAME ID MODE_CONF: writes DIR/broker.conf (MODE_CONF, then
# $BROKER_EXTRA_CONF, so the caller's lines win) and execs the broker.
run_broker() {
  local namesrv="$1" dir="$2" port="$3" cluster="$4" name="$5" id="$6" mode_conf="$7"
  mkdir -p "$dir/store"
  write_logback "$dir"
  cat > "$dir/broker.conf" <<CONF
brokerClusterName=$cluster
brokerName=$name
brokerId=$id
namesrvAddr=$namesrv
brokerIP1=127.0.0.1
brokerIP2=127.0.0.1
listenPort=$port
haListenPort=$((port + 1))
storePathRootDir=$dir/store
storePathCommitLog=$dir/store/commitlog
mappedFileSizeCommitLog=16777216
mappedFileSizeConsumeQueue=60000
autoCreateTopicEnable=true
flushDiskType=ASYNC_FLUSH
deleteWhen=04
fileReservedTime=1
diskMaxUsedSpaceRatio=95
$mode_conf
${BROKER_EXTRA_CONF:-}
CONF
  export ROCKETMQ_HOME="$dir"
  exec java -Xms256m -Xmx256m -XX:MaxDirectMemorySize=256m -XX:+UseSerialGC "${extra_jvm[@]}" \
    -Duser.home="$dir" -Drocketmq.home.dir="$dir" \
    -cp "$(classpath)" org.apache.rocketmq.broker.BrokerStartup -c "$dir/broker.conf"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  build)
    cd "$java_dir"
    mvn -q -B -DskipTests package dependency:build-classpath \
        -Dmdep.outputFile=target/classpath.txt >&2
    echo "$java_dir/target/classes:$(cat target/classpath.txt)" > "$cp_file"
    ;;
  classpath)
    classpath
    ;;
  broker)
    namesrv="$1"; dir="$2"; port="$3"
    run_broker "$namesrv" "$dir" "$port" "${4:-AcceptanceCluster}" "${5:-broker-acceptance}" "${6:-0}" ""
    ;;
  ctlbroker)
    namesrv="$1"; controllers="$2"; dir="$3"; port="$4"
    # Controller mode as Apache's AutoSwitchRoleBase sets it up, with every period at 2 s so
    # a failover is seen within seconds; allAckInSyncStateSet makes an acknowledged message
    # one every member of the sync-state set holds.
    run_broker "$namesrv" "$dir" "$port" "${6:-ControllerCluster}" "${5:-ctlBroker}" -1 "enableControllerMode=true
controllerAddr=$controllers
allAckInSyncStateSet=true
syncBrokerMetadataPeriod=2000
checkSyncStateSetPeriod=2000
syncControllerMetadataPeriod=2000
haSendHeartbeatInterval=1000
haMaxTimeSlaveNotCatchup=3000
storePathEpochFile=$dir/store/EpochFileCache
storePathBrokerIdentity=$dir/store/brokerIdentity"
    ;;
  produce)
    exec java "${client_jvm[@]}" -cp "$(classpath)" namesrv.acceptance.Produce "$@"
    ;;
  consume)
    exec java "${client_jvm[@]}" -cp "$(classpath)" namesrv.acceptance.Consume "$@"
    ;;
  nsload)
    exec java "${client_jvm[@]}" -cp "$(classpath)" namesrv.acceptance.NameServerLoad "$@"
    ;;
  mqadmin)
    # $MQADMIN_HOME: a home of the caller's (e.g. with conf/tools.yml ACL credentials).
    if [ -n "${MQADMIN_HOME:-}" ]; then
      [ -f "$MQADMIN_HOME/conf/logback_tools.xml" ] || write_logback "$MQADMIN_HOME"
      ROCKETMQ_HOME="$MQADMIN_HOME"
    else
      ROCKETMQ_HOME="$(tools_home)"
    fi
    export ROCKETMQ_HOME
    exec java "${client_jvm[@]}" -cp "$(classpath)" \
      org.apache.rocketmq.tools.command.MQAdminStartup "$@"
    ;;
  javansrv)
    dir="$1"; port="$2"
    mkdir -p "$dir"
    write_logback "$dir"
    printf 'listenPort=%s\nbindAddress=127.0.0.1\nkvConfigPath=%s/kvConfig.json\n' "$port" "$dir" > "$dir/namesrv.properties"
    export ROCKETMQ_HOME="$dir"
    # JAVA_NAMESRV_OPTS replaces the small-heap options (bench/compare.sh passes runserver.sh's).
    # shellcheck disable=SC2086
    exec java ${JAVA_NAMESRV_OPTS:--Xms256m -Xmx256m -XX:+UseSerialGC} -Duser.home="$dir" -Drocketmq.home.dir="$dir" \
      -cp "$(classpath)" org.apache.rocketmq.namesrv.NamesrvStartup -c "$dir/namesrv.properties"
    ;;
  ctlconf)
    write_ctl_conf "$@"
    ;;
  javactl)
    dir="$1"
    write_ctl_conf "$@"
    export ROCKETMQ_HOME="$dir"
    # --add-opens: the controller's Hessian serializer reflects into java.lang at class load and
    # prints a stack trace per field on Java 17 without it.
    # shellcheck disable=SC2086
    exec java ${JAVA_NAMESRV_OPTS:--Xms128m -Xmx256m -XX:+UseSerialGC} \
      --add-opens java.base/java.lang=ALL-UNNAMED -Duser.home="$dir" -Drocketmq.home.dir="$dir" \
      -cp "$(classpath)" org.apache.rocketmq.namesrv.NamesrvStartup -c "$dir/namesrv.properties"
    ;;
  proxy)
    namesrv="$1"; dir="$2"; grpc_port="$3"; remoting_port="$4"; cluster="${5:-AcceptanceCluster}"
    mkdir -p "$dir"
    # namesrvAddr takes several addresses separated by ';', as a broker's does. The proxy has no
    # bind-address key: both ports listen on every interface; clients here use 127.0.0.1 only.
    # localServeAddr keeps it from advertising a non-loopback address of this machine.
    cat > "$dir/rmq-proxy.json" <<JSON
{
  "rocketMQClusterName": "$cluster",
  "namesrvAddr": "$namesrv",
  "grpcServerPort": $grpc_port,
  "remotingListenPort": $remoting_port,
  "localServeAddr": "127.0.0.1",
  "proxyMode": "cluster"
}
JSON
    export ROCKETMQ_HOME="$dir"
    exec java -Xms128m -Xmx256m -XX:MaxDirectMemorySize=128m -XX:+UseSerialGC "${extra_jvm[@]}" \
      -Duser.home="$dir" -Drocketmq.home.dir="$dir" \
      -cp "$(classpath)" org.apache.rocketmq.proxy.ProxyStartup -pm cluster -pc "$dir/rmq-proxy.json"
    ;;
  grpc-client)
    log_dir="${GRPC_CLIENT_LOG_DIR:-${TMPDIR:-/tmp}/namesrv-peers-grpc-logs}"
    exec java -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
      -Drocketmq.log.root="$log_dir" -Drocketmq.log.level=warn \
      -cp "$(classpath)" namesrv.acceptance.grpc.ProxyClient "$@"
    ;;
  *)
    sed -n '2,36p' "$0" >&2
    exit 2
    ;;
esac
