import { statSync } from 'node:fs';
import { DEFAULT_CLUSTER_CONFIG, eggPorts, logDir } from '../node/config/cluster.js';
import type { NodeContext } from '../node/context.js';
import { readRegistry, registryFile } from './restart/registry.js';
import { buildNodeSpecs, type NodeSpec } from './restart/node-spec.js';
import { ProcessControl, type NodeControl } from './restart/runner.js';
import { BullyElection, type BullyPeer } from './bully.js';
import { loadEggConfig, type EggConfig } from './config.js';
import { HeartbeatReceiver } from './heartbeat-receiver.js';
import { Monitor } from './monitor.js';
import { observeEgg } from './observer.js';
import { loadClusterSecret } from '../node/heartbeat/auth.js';
import { AlreadyRunningError } from '../node/errors.js';
import { restartRecords } from './restart/records.js';
import { everyOnGrid } from '../node/grid-timer.js';

/** Election addresses of every replica: configured, or the local cluster's (election port + i). */
export function electionPeers(config: EggConfig, ctx: Pick<NodeContext, 'cluster'>): BullyPeer[] {
  if (config.leader_election.peers.length > 0) {
    return config.leader_election.peers.map((addr, index) => {
      const at = addr.lastIndexOf(':');
      return { index, host: addr.slice(0, at), port: Number(addr.slice(at + 1)) };
    });
  }
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const peers: BullyPeer[] = [];
  for (let i = 0; i < ctx.cluster.replicas['egg-of-life']; i++) peers.push({ index: i, host, port: eggPorts(ctx.cluster, i).election });
  return peers;
}

/** The Egg of Life: heartbeat receiver + Bully election + monitor that restarts the dead (leader only). */
export async function main(ctx: NodeContext): Promise<void> {
  const config = loadEggConfig();
  const log = ctx.log;
  const ports = {
    udp: config.port ?? eggPorts(ctx.cluster, ctx.index).udp,
    election: config.leader_election.port ?? eggPorts(ctx.cluster, ctx.index).election,
  };

  // The registry is re-read whenever the cluster rewrites it. In Docker mode there is no local
  // cluster to write it: every node of the cluster config runs in its container.
  const file = registryFile(ctx.cluster);
  let specs: NodeSpec[] = [];
  let mtime = -1;
  const docker = ctx.cluster.restart.runner === 'docker';
  if (docker) specs = buildNodeSpecs(ctx.cluster, process.env.COFFEE_CLUSTER_CONFIG ?? DEFAULT_CLUSTER_CONFIG);
  const registry = (): NodeSpec[] => {
    if (docker) return specs;
    try {
      const m = statSync(file).mtimeMs;
      if (m !== mtime) {
        specs = readRegistry(file);
        mtime = m;
      }
    } catch (err) {
      if (mtime !== -2) log.warn({ err: (err as Error).message }, `node registry ${file} unavailable: nothing to restart yet`);
      mtime = -2;
    }
    return specs;
  };

  // Read once: never logged, never passed on the command line.
  const secret = loadClusterSecret(ctx.cluster);
  const replayWindowMs = ctx.cluster.security.replay_window;
  const election = new BullyElection({
    secret,
    replayWindowMs,
    index: ctx.index,
    host: config.host,
    port: ports.election,
    peers: electionPeers(config, ctx),
    intervalMs: config.leader_election.interval,
    timeoutMs: config.leader_election.timeout,
    log,
  });
  // What differs between processes and containers (finding, killing, starting a node) is behind NodeControl.
  let control: NodeControl;
  if (docker) {
    const prefix = ctx.cluster.restart.container_prefix ?? `${ctx.cluster.name}-`;
    // Loaded only here: dockerode and its dependencies cost ~0.25 CPU-s to load, at every start
    // of every replica of a local cluster that never uses them (issue 11).
    const { DockerRunner } = await import('./restart/docker-runner.js');
    const runner = new DockerRunner({ socketPath: ctx.cluster.restart.docker_socket, containerOf: (id) => `${prefix}${id}`, log });
    await runner.watch();
    ctx.onShutdown(() => runner.stop());
    control = runner;
  } else {
    control = new ProcessControl(ctx.cluster, logDir(ctx.cluster));
  }
  const monitor = new Monitor({
    selfId: ctx.id,
    registry,
    runner: control,
    isLeader: () => election.isLeader(),
    timeoutMs: config.timeout_interval,
    checkMs: config.check_interval,
    startupGraceMs: Math.max(config.startup_grace, config.timeout_interval),
    pidFromFile: (id) => control.recorded(id),
    isNodeProcess: (pid, id) => control.isInstance(pid, id),
    kill: (pid, id) => control.kill(pid, id),
    waitGone: (pids, id) => control.waitGone(pids, id),
    log,
    leaderGraceMs: config.leader_grace,
    backoff: { baseMs: config.restart_backoff.base, maxMs: config.restart_backoff.max, stableMs: config.restart_backoff.stable_after },
    records: restartRecords(ctx.cluster),
  });
  const observer = observeEgg(ctx, election, monitor);
  const receiver = new HeartbeatReceiver(config.host, ports.udp, secret, replayWindowMs, (hb) => {
    monitor.onHeartbeat(hb);
    observer.onHeartbeat(hb);
  });
  try {
    await receiver.start();
    await election.start();
  } catch (err) {
    // Our ports are taken: another process of this identity runs (a duplicate start). One line, no stack.
    receiver.stop();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new AlreadyRunningError(ctx.id, `its port is in use (${(err as Error).message})`);
    throw err;
  }
  const sync = everyOnGrid(() => {
    registry();
    monitor.sync();
  }, 1000);
  monitor.start();
  log.info({ udp: ports.udp, election: ports.election, timeoutMs: config.timeout_interval }, 'egg of life started');

  // Shutdown runs in reverse: stop restarting first, then leave the election, then stop listening.
  ctx.onShutdown(() => receiver.stop());
  ctx.onShutdown(() => election.stop());
  ctx.onShutdown(() => {
    sync.stop();
    monitor.stop();
    observer.stop();
  });
}
