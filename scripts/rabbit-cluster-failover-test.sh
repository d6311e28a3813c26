#!/usr/bin/env bash
# rabbit-cluster-failover-test.sh — end-to-end check of scripts/rabbit-cluster.sh
# and of quorum-queue failover on it.
#
# Why: proves the test cluster really replicates: a message published with
# publisher confirms to a quorum queue through node 1 survives a SIGKILL of
# node 1 and is consumed through node 2. Measures the cluster start time, the
# time until node 2 answers for the queue again after the kill, the time until
# a new leader is reported, and the time for node 1 to come back.
#
# Usage: scripts/rabbit-cluster-failover-test.sh [--dir DIR] [--base-port P] [--keep]
#   Starts the cluster when it is not running, stops it (removing DIR) at
#   the end unless --keep. Needs the `rabbitmq-client` package: resolved from
#   the repo's node_modules, or from RABBITMQ_CLIENT_FROM=<dir whose
#   node_modules has it> (e.g. a scratch `npm install rabbitmq-client`).
# Exit status 0 when the message came back, non-zero otherwise.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLUSTER="$HERE/rabbit-cluster.sh"
ARGS=(); KEEP=0; DIR=/tmp/coffee-rmq; BASE_PORT=5701
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; ARGS+=(--dir "$2"); shift 2 ;;
    --base-port) BASE_PORT="$2"; ARGS+=(--base-port "$2"); shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
RABBITMQ_CLIENT_FROM="${RABBITMQ_CLIENT_FROM:-$(cd "$HERE/.." && pwd)}"
[ -d "$RABBITMQ_CLIENT_FROM/node_modules/rabbitmq-client" ] \
  || { echo "rabbitmq-client not found under $RABBITMQ_CLIENT_FROM/node_modules (run npm ci, or set RABBITMQ_CLIENT_FROM)" >&2; exit 2; }

started_here=0
cleanup() {
  if [ "$KEEP" = 0 ] && [ "$started_here" = 1 ]; then "$CLUSTER" stop "${ARGS[@]}" || true; fi
}
trap cleanup EXIT

if "$CLUSTER" status "${ARGS[@]}" >/dev/null 2>&1; then
  # running (maybe with a node down from an earlier run): `start` heals it
  echo "cluster already running in $DIR"
  "$CLUSTER" start "${ARGS[@]}" >/dev/null
  start_ms=NA
else
  "$CLUSTER" stop "${ARGS[@]}" >/dev/null 2>&1 || true
  started_here=1
  t0=$(date +%s%3N)
  "$CLUSTER" start "${ARGS[@]}"
  start_ms=$(( $(date +%s%3N) - t0 ))
fi
. "$DIR/cluster.env"

export CLUSTER DIR BASE_PORT PREFIX RABBITMQ_CLIENT_FROM
export CLUSTER_ARGS="${ARGS[*]:-}"
node --input-type=module - <<'JS'
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

const require = createRequire(process.env.RABBITMQ_CLIENT_FROM + '/');
const { Connection } = await import(pathToFileURL(require.resolve('rabbitmq-client')).href);
const base = Number(process.env.BASE_PORT), prefix = process.env.PREFIX;
const url = (i) => `amqp://guest:guest@127.0.0.1:${base + i - 1}`;
const node = (i) => `${prefix}${i}@localhost`;
const cluster = (...a) => execFileSync(process.env.CLUSTER, [...a, ...(process.env.CLUSTER_ARGS ? process.env.CLUSTER_ARGS.split(' ') : [])], { encoding: 'utf8' });
const leaderOf = (i, q) => {
  try {
    const out = cluster('ctl', String(i), 'list_queues', '--quiet', '--no-table-headers', 'name', 'leader', '--timeout', '5');
    const line = out.split('\n').find((l) => l.split(/\s+/)[0] === q);
    return line ? line.split(/\s+/)[1] : '';
  } catch { return ''; }
};
const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: timeout ${ms}ms`)), ms))]);
const conn = (i) => {
  const c = new Connection({ url: url(i), retryLow: 100, retryHigh: 500, connectionTimeout: 3000 });
  // While a quorum queue has no leader, 3.10 answers basic.get with a
  // connection-level INTERNAL_ERROR (nodedown): the client reconnects by itself.
  c.on('error', (e) => console.log(`  (${node(i)}: ${e.code ?? ''} ${String(e.message).slice(0, 100)})`));
  return c;
};

const q = `failover-test-${Date.now()}`;
const body = `hello ${q}`;
const c1 = conn(1);
const ch1 = await c1.acquire();
await ch1.queueDeclare({ queue: q, durable: true, arguments: { 'x-queue-type': 'quorum' } });
await ch1.confirmSelect();
await ch1.basicPublish({ routingKey: q, durable: true }, body); // resolves on the broker's confirm
console.log(`published (confirmed) to quorum queue ${q} via ${node(1)}; leader: ${leaderOf(1, q)}`);

const c2 = conn(2);
await withTimeout(c2.onConnect(5000), 6000, 'connect node 2');

const killOut = cluster('kill', '1');
const tKill = Number(/at_ms=(\d+)/.exec(killOut)?.[1] ?? Date.now()); // when SIGKILL was sent
const killedAt = Date.now();
c1.close().catch(() => {});

// Time until node 2 serves the queue again: basic.get with a bounded wait per try.
let msg, tries = 0;
const deadline = killedAt + 60_000;
while (!msg && Date.now() < deadline) {
  tries++;
  let ch;
  try {
    await withTimeout(c2.onConnect(2000), 2500, 'connect');
    ch = await withTimeout(c2.acquire(), 2000, 'channel');
    msg = await withTimeout(ch.basicGet({ queue: q, noAck: true }), 2000, 'basic.get');
  } catch (e) { /* no leader yet */ }
  ch?.close().catch(() => {});
  if (!msg) await new Promise((r) => setTimeout(r, 100));
}
const consumedMs = Date.now() - tKill;
if (!msg || msg.body.toString() !== body) {
  console.error(`FAIL: message not consumed via ${node(2)} within 60s (tries ${tries})`);
  process.exit(1);
}
const newLeader = leaderOf(2, q);
// When did the surviving members elect the new leader? Their logs say
// "queue 'Q' in vhost '/': candidate -> leader in term: N".
let electedMs = 'NA';
try {
  const logs = execFileSync('sh', ['-c', `grep -h "queue '${q}' in vhost '/': candidate -> leader in term: [2-9]" ${process.env.DIR}/node*/log/*.log || true`], { encoding: 'utf8' });
  const ts = logs.split('\n').filter(Boolean).map((l) => Date.parse(l.slice(0, 26).replace(' ', 'T') + 'Z')).filter((t) => !Number.isNaN(t));
  if (ts.length) electedMs = Math.min(...ts) - tKill;
} catch {}
console.log(`consumed via ${node(2)} ${consumedMs} ms after SIGKILL of ${node(1)} (${tries} tries); new leader ${newLeader} elected ${electedMs} ms after the kill`);
console.log(`RESULT failover_consume_ms=${consumedMs} leader_elected_ms=${electedMs}`);
try {
  const ch = await c2.acquire(); await ch.queueDelete({ queue: q }); await ch.close();
} catch {}
await c2.close();
JS

t1=$(date +%s%3N)
"$CLUSTER" start-node 1 "${ARGS[@]}"
rejoin_ms=$(( $(date +%s%3N) - t1 ))
"$CLUSTER" status "${ARGS[@]}"
echo "RESULT cluster_start_ms=$start_ms node1_rejoin_ms=$rejoin_ms"
