#!/usr/bin/env bash
# rabbit-cluster.sh — a 3-node RabbitMQ (3.10, Debian's package) cluster for
# tests and benchmarks, running BESIDE the machine's own broker.
#
# Why: fault-tolerance tests need a real cluster (quorum queues, node loss);
# the machine's broker (rabbit@localhost on 127.0.0.1:5672, data in
# /var/lib/rabbitmq) must never be stopped or touched. This script runs three
# more nodes of the same installation as the `rabbitmq` user, each with its own
# AMQP port, distribution port, config file, data/log dirs and pid file under
# DIR, the management/prometheus plugins disabled, an isolated HOME holding a
# copy of the machine's Erlang cookie, and nothing bound outside 127.0.0.1.
# The shared epmd (127.0.0.1:4369) is used as is.
#
# Usage:
#   scripts/rabbit-cluster.sh start       [--dir DIR] [--base-port P] [--prefix NAME]
#   scripts/rabbit-cluster.sh status      [--dir DIR]
#   scripts/rabbit-cluster.sh stop        [--dir DIR]
#   scripts/rabbit-cluster.sh kill N      [--dir DIR]   # SIGKILL node N (1..3)
#   scripts/rabbit-cluster.sh start-node N [--dir DIR]  # bring node N back, rejoined
#   scripts/rabbit-cluster.sh ctl N ARGS...              # rabbitmqctl against node N
# Defaults: DIR=/tmp/coffee-rmq, P=5701, NAME=coffee-rmq. Node i is
# NAMEi@localhost with AMQP on 127.0.0.1:(P+i-1) (5701, 5702, 5703) and
# distribution on (P+20000+i-1) (25701, 25702, 25703). Every command after
# `start` reads the settings saved in DIR/cluster.env. Env: WAIT_SECS (default
# 240) bounds every wait (each rabbitmqctl call costs 1-2 s on a quiet machine
# and tens of seconds on an overloaded one).
# Prints `amqp://guest:guest@127.0.0.1:PORT` URLs on start.
set -euo pipefail

RMQ_BIN=/usr/lib/rabbitmq/bin   # NOT /usr/sbin: Debian's wrapper there redirects
                                # rabbitmq-server output into the machine broker's
                                # /var/log/rabbitmq/startup_log and drops our env via su.
WAIT_SECS="${WAIT_SECS:-240}"
N_NODES=3

die() { echo "rabbit-cluster: $*" >&2; exit 1; }
log() { echo "rabbit-cluster: $*"; }
now_ms() { date +%s%3N; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit "${1:-2}"; }

cmd="${1:-}"; [ -n "$cmd" ] || usage
shift
ARG_N=""
case "$cmd" in
  kill|start-node|ctl) ARG_N="${1:-}"; shift || true
    [[ "$ARG_N" =~ ^[1-3]$ ]] || die "$cmd needs a node number 1..$N_NODES" ;;
esac
DIR=/tmp/coffee-rmq; BASE_PORT=""; PREFIX=""
CTL_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --prefix) PREFIX="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) if [ "$cmd" = ctl ]; then CTL_ARGS+=("$1"); shift; else die "unknown argument: $1"; fi ;;
  esac
done
DIR="$(realpath -m "$DIR")"
case "$DIR" in
  /|/tmp|/var|/var/lib|/var/lib/rabbitmq*|/etc*|/usr*|/root|/home) die "refusing DIR=$DIR" ;;
esac
MARKER="$DIR/.coffee-rmq-cluster"

# settings: from DIR/cluster.env when the cluster exists, else flags/defaults
if [ -f "$DIR/cluster.env" ] && [ "$cmd" != start ]; then
  # shellcheck disable=SC1091
  . "$DIR/cluster.env"
fi
if [ "$cmd" = start ] && [ -f "$DIR/cluster.env" ]; then
  saved_base="$(. "$DIR/cluster.env"; echo "$BASE_PORT")"; saved_prefix="$(. "$DIR/cluster.env"; echo "$PREFIX")"
  [ -z "$BASE_PORT" ] || [ "$BASE_PORT" = "$saved_base" ] || die "$DIR holds a cluster on base port $saved_base; stop it first"
  [ -z "$PREFIX" ] || [ "$PREFIX" = "$saved_prefix" ] || die "$DIR holds a cluster named $saved_prefix*; stop it first"
  BASE_PORT="$saved_base"; PREFIX="$saved_prefix"
fi
BASE_PORT="${BASE_PORT:-5701}"; PREFIX="${PREFIX:-coffee-rmq}"
[[ "$BASE_PORT" =~ ^[0-9]+$ ]] && [ "$BASE_PORT" -ge 1024 ] && [ "$BASE_PORT" -le 12000 ] \
  || die "--base-port must be 1024..12000 (distribution ports are base+20000)"

node_name() { echo "${PREFIX}$1@localhost"; }
amqp_port() { echo $(( BASE_PORT + $1 - 1 )); }
dist_port() { echo $(( BASE_PORT + 20000 + $1 - 1 )); }
node_dir()  { echo "$DIR/node$1"; }
for i in 1 2 3; do
  [ "$(node_name "$i")" != rabbit@localhost ] || die "node name clashes with the machine's broker"
  [ "$(amqp_port "$i")" != 5672 ] && [ "$(dist_port "$i")" != 25672 ] || die "ports clash with the machine's broker"
done

# Run as the rabbitmq user, with this cluster's environment only.
as_rabbit() {
  (cd "$DIR" && runuser -u rabbitmq -- env -i \
      PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 LC_ALL=C.UTF-8 \
      HOME="$DIR/home" RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf" "$@")
}
ctl() { # ctl N rabbitmqctl-args...
  local n="$1"; shift
  as_rabbit "$RMQ_BIN/rabbitmqctl" -n "$(node_name "$n")" "$@"
}
node_env() { # the env of node N, as env(1) arguments
  local n="$1" d; d="$(node_dir "$1")"
  echo RABBITMQ_NODENAME="$(node_name "$n")" RABBITMQ_USE_LONGNAME=false \
       RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$(amqp_port "$n")" \
       RABBITMQ_DIST_PORT="$(dist_port "$n")" \
       RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config" \
       RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins" \
       RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" \
       RABBITMQ_PID_FILE="$d/rabbit.pid"
  # NB: no RABBITMQ_ALLOW_INPUT at all: any non-empty value (even "false")
  # drops -noinput, and with stdin on /dev/null the node's shell exits at once.
}

# Is PID the beam of node N of THIS cluster? The node name is not on a 3.10
# beam's command line (distribution starts at run time), so check the
# environment it was started with: its name and its data dir under DIR.
is_our_beam() {
  local pid="$1" n="$2" env
  env="$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ")" || return 1
  grep -qxF "RABBITMQ_NODENAME=$(node_name "$n")" <<<"$env" \
    && grep -qxF "RABBITMQ_MNESIA_BASE=$(node_dir "$n")/mnesia" <<<"$env"
}

# The beam pid of node N, only if that process really is node N.
node_pid() {
  local n="$1" pid="" p
  [ -f "$(node_dir "$n")/rabbit.pid" ] && pid="$(tr -dc 0-9 <"$(node_dir "$n")/rabbit.pid")"
  if [ -n "$pid" ] && is_our_beam "$pid" "$n"; then echo "$pid"; return 0; fi
  # pid file missing (still booting) or stale: scan the rabbitmq user's beams
  for p in $(pgrep -u rabbitmq -x beam.smp || true); do
    if is_our_beam "$p" "$n"; then echo "$p"; return 0; fi
  done
  return 1
}

pid_gone() { ! kill -0 "$1" 2>/dev/null; }
node_sees() { running_nodes "$1" | grep -qx "$(node_name "$2")"; } # does N's cluster run node M?

wait_until() { # wait_until SECS DESCRIPTION command... (command may be a function)
  local secs="$1"; shift 2  # $2 only names the wait for the reader
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

launch_node() { # start node N's beam in the background
  local n="$1" d; d="$(node_dir "$n")"
  if node_pid "$n" >/dev/null; then log "$(node_name "$n") already running"; return 0; fi
  port_free "$(amqp_port "$n")" || die "port $(amqp_port "$n") is in use by something else"
  port_free "$(dist_port "$n")" || die "port $(dist_port "$n") is in use by something else"
  rm -f "$d/rabbit.pid"
  # setsid -f OUTSIDE runuser: runuser stays as the node's parent and forwards
  # SIGTERM/SIGINT to it, so a runuser left in the caller's process group
  # (e.g. under `timeout`, or Ctrl-C) would take the node down with the caller.
  # shellcheck disable=SC2046
  (cd "$DIR" && setsid -f runuser -u rabbitmq -- env -i \
      PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 LC_ALL=C.UTF-8 \
      HOME="$DIR/home" RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf" \
      $(node_env "$n") "$RMQ_BIN/rabbitmq-server" \
      >>"$d/log/startup.log" 2>&1 </dev/null)
}

await_node() { # wait until node N has booted (one CLI call: `wait PIDFILE`)
  local n="$1" deadline=$(( $(date +%s) + WAIT_SECS ))
  # `rabbitmqctl wait` waits for the pid file, then for the app to start; it
  # can fail early (e.g. node not yet registered with epmd): retry to deadline.
  until ctl "$n" wait --timeout "$(( WAIT_SECS * 1000 ))" "$(node_dir "$n")/rabbit.pid" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$(node_name "$n") did not boot in ${WAIT_SECS}s; see $(node_dir "$n")/log/"
    node_pid "$n" >/dev/null || pgrep -u rabbitmq -f "rabbitmq-server" >/dev/null \
      || die "$(node_name "$n") exited during boot; see $(node_dir "$n")/log/"
    sleep 1
  done
}

await_nodes() { # await_node for several nodes at once (each CLI call costs seconds)
  local n waiters=() rc=0
  for n in "$@"; do await_node "$n" & waiters+=($!); done
  for n in "${waiters[@]}"; do wait "$n" || rc=1; done
  return $rc
}

running_nodes() { # running nodes as seen by node N, one per line
  ctl "$1" cluster_status --formatter json 2>/dev/null \
    | node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{for(const n of JSON.parse(s).running_nodes||[])console.log(n)})' 2>/dev/null \
    || ctl "$1" eval "[io:format(\"~s~n\",[N]) || N <- rabbit_nodes:all_running()], ok." 2>/dev/null | grep '@' 
}
count_running() { running_nodes "$1" | grep -c '@' || true; }
all_running() { [ "$(count_running "$1")" -ge "$2" ]; }

prepare_dirs() {
  mkdir -p "$DIR/home"
  touch "$MARKER"
  install -m 0400 /var/lib/rabbitmq/.erlang.cookie "$DIR/home/.erlang.cookie" 2>/dev/null \
    || { [ -f "$DIR/home/.erlang.cookie" ] || die "cannot read /var/lib/rabbitmq/.erlang.cookie"; }
  printf '[].\n' >"$DIR/enabled_plugins"      # no management, no prometheus
  cat >"$DIR/rabbitmq-env.conf" <<'ENV'
# Our own env file instead of /etc/rabbitmq/rabbitmq-env.conf (which names the
# machine's node). Keep epmd and distribution on loopback.
ERL_EPMD_ADDRESS=127.0.0.1
export ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"
ENV
  for i in 1 2 3; do
    local d; d="$(node_dir "$i")"
    mkdir -p "$d/mnesia" "$d/log"
    # Own config: /etc/rabbitmq/rabbitmq.conf binds 5672, which is the machine's broker's.
    cat >"$d/rabbitmq.conf" <<CONF
listeners.tcp.local = 127.0.0.1:$(amqp_port "$i")
log.file.level = info
log.console = false
CONF
  done
  cat >"$DIR/cluster.env" <<SAVED
BASE_PORT=$BASE_PORT
PREFIX=$PREFIX
SAVED
  chown -R rabbitmq:rabbitmq "$DIR"
  chmod 0700 "$DIR/home"
}

join_node() { # join node N to the cluster through running node M
  local n="$1" m="$2"
  ctl "$n" stop_app >/dev/null
  ctl "$n" join_cluster "$(node_name "$m")" >/dev/null || { ctl "$n" start_app >/dev/null || true; return 1; }
  ctl "$n" start_app >/dev/null
}

do_start() {
  local t0 i fresh=(); t0=$(now_ms)
  prepare_dirs
  for i in 1 2 3; do
    # a node with no data yet has never joined: join it without asking first
    [ -n "$(ls -A "$(node_dir "$i")/mnesia")" ] || fresh[$i]=1
    launch_node "$i"
  done
  await_nodes 1 2 3 || exit 1
  local t_boot; t_boot=$(now_ms)
  for i in 2 3; do
    if [ -n "${fresh[$i]:-}" ] || ! node_sees "$i" 1; then
      join_node "$i" 1 || die "$(node_name "$i") could not join $(node_name 1)"
    fi
  done
  wait_until "$WAIT_SECS" cluster all_running 1 3 \
    || die "cluster did not reach 3 running nodes in ${WAIT_SECS}s: $(running_nodes 1 | tr '\n' ' ')"
  local t1; t1=$(now_ms)
  log "3 nodes running: $(running_nodes 1 | tr '\n' ' ')"
  log "nodes booted in $(( t_boot - t0 )) ms; cluster of 3 formed in $(( t1 - t0 )) ms"
  for i in 1 2 3; do echo "amqp://guest:guest@127.0.0.1:$(amqp_port "$i")"; done
}

do_status() {
  [ -f "$MARKER" ] || { echo "no cluster in $DIR"; return 3; }
  local i pid running=""
  for i in 1 2 3; do
    pid="$(node_pid "$i" || true)"
    echo "$(node_name "$i") amqp=127.0.0.1:$(amqp_port "$i") dist=$(dist_port "$i") pid=${pid:-down}"
    if [ -n "$pid" ] && [ -z "$running" ]; then running="$(running_nodes "$i" | tr '\n' ' ')"; fi
  done
  [ -n "$running" ] || { echo "running nodes: none"; return 3; }
  echo "running nodes: $running"
}

do_kill() {
  local n="$1" pid; pid="$(node_pid "$n")" || die "$(node_name "$n") is not running"
  local t; t=$(now_ms)
  kill -KILL "$pid"
  wait_until 15 exit pid_gone "$pid" || die "pid $pid survived SIGKILL"
  log "SIGKILLed $(node_name "$n") (beam pid $pid) at_ms=$t"
}

do_start_node() {
  local n="$1" m peer=""
  [ -f "$MARKER" ] || die "no cluster in $DIR; use start"
  for m in 1 2 3; do
    [ "$m" = "$n" ] && continue
    if node_pid "$m" >/dev/null; then peer="$m"; break; fi
  done
  local t0; t0=$(now_ms)
  launch_node "$n"
  await_node "$n"
  if [ -n "$peer" ] && ! node_sees "$peer" "$n"; then
    # It booted but is not in the running cluster (e.g. its data was lost): rejoin afresh.
    ctl "$n" stop_app >/dev/null; ctl "$n" reset >/dev/null || true
    ctl "$peer" forget_cluster_node "$(node_name "$n")" >/dev/null 2>&1 || true
    ctl "$n" join_cluster "$(node_name "$peer")" >/dev/null || die "$(node_name "$n") could not rejoin"
    ctl "$n" start_app >/dev/null
  fi
  if [ -n "$peer" ]; then
    wait_until "$WAIT_SECS" rejoin node_sees "$peer" "$n" \
      || die "$(node_name "$n") did not rejoin in ${WAIT_SECS}s"
  fi
  log "$(node_name "$n") back in $(( $(now_ms) - t0 ))ms; running: $(running_nodes "$n" | tr '\n' ' ')"
}

do_stop() {
  if [ ! -e "$DIR" ]; then log "nothing in $DIR"; return 0; fi
  [ -f "$MARKER" ] || die "$DIR is not a cluster dir made by this script (no $(basename "$MARKER")); not removing it"
  local i pid; local -A pids=()
  # SIGTERM is a graceful shutdown for RabbitMQ >= 3.8 (no CLI round trips,
  # which cost seconds each on a busy machine); all three at once, since the
  # data is removed anyway. Only processes proven to be our nodes are signalled.
  for i in 1 2 3; do
    if pid="$(node_pid "$i")"; then pids[$i]="$pid"; kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for i in 1 2 3; do
    [ -n "${pids[$i]:-}" ] || continue
    if ! wait_until 30 exit pid_gone "${pids[$i]}"; then
      log "$(node_name "$i") ignored SIGTERM for 30s: SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
      wait_until 10 exit pid_gone "${pids[$i]}" || die "pid ${pids[$i]} survived SIGKILL"
    fi
  done
  rm -rf --one-file-system "$DIR"
  log "stopped ${#pids[@]} node(s); removed $DIR"
}

[ "$(id -u)" = 0 ] || die "must run as root (runs nodes as the rabbitmq user)"
id rabbitmq >/dev/null 2>&1 && [ -x "$RMQ_BIN/rabbitmq-server" ] || die "rabbitmq-server (Debian package) is not installed"

case "$cmd" in
  start) do_start ;;
  status) do_status ;;
  stop) do_stop ;;
  kill) do_kill "$ARG_N" ;;
  start-node) do_start_node "$ARG_N" ;;
  ctl) ctl "$ARG_N" "${CTL_ARGS[@]}" ;;
  -h|--help|help) usage 0 ;;
  *) usage ;;
esac
