import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Monitor, type MonitorOptions, type RestartRecord } from './monitor.js';
import type { NodeSpec } from './restart/node-spec.js';

const spec = (id: string, kind: NodeSpec['kind'], index: number): NodeSpec => ({ id, kind, index, args: [], env: {} });
const silent = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined };

/** A world of fake processes: pids alive, kills and starts recorded, a hand-driven clock. */
function world(leader = true) {
  const w = {
    t: 0,
    leader,
    alive: new Set<number>(),
    pidFiles: new Map<string, number>(),
    killed: [] as number[],
    started: [] as string[],
    nextPid: 1000,
  };
  const monitor = new Monitor({
    selfId: 'egg-of-life-0',
    registry: () => [spec('egg-of-life-0', 'egg-of-life', 0), spec('egg-of-life-1', 'egg-of-life', 1), spec('tx-filter-0', 'tx-filter', 0)],
    runner: {
      start: (s) => {
        const pid = w.nextPid++;
        w.alive.add(pid);
        w.started.push(s.id);
        return Promise.resolve(pid);
      },
    },
    isLeader: () => w.leader,
    timeoutMs: 1000,
    checkMs: 250,
    startupGraceMs: 3000,
    pidFromFile: (id) => w.pidFiles.get(id),
    isNodeProcess: (pid) => w.alive.has(pid),
    kill: (pid) => {
      w.killed.push(pid);
      w.alive.delete(pid);
    },
    waitGone: (pids) => Promise.resolve(pids.every((p) => !w.alive.has(p))),
    log: silent,
    now: () => w.t,
  });
  const beat = (id: string, pid: number): void => {
    w.alive.add(pid);
    monitor.onHeartbeat({ id, kind: id.replace(/-\d+$/, ''), pid, ts: 0 });
  };
  return { w, monitor, beat };
}

test('monitor: nobody is dead during the startup grace; a silent node is dead after timeout', async () => {
  const { w, monitor, beat } = world();
  w.t = 2900;
  await monitor.check();
  assert.deepEqual(w.started, []);
  beat('egg-of-life-1', 11);
  w.t = 3100; // grace over; tx-filter-0 never spoke
  await monitor.check();
  assert.deepEqual(w.started, ['tx-filter-0']);
  assert.deepEqual(monitor.dead(), []);
});

test('monitor: a frozen node (alive pid, silent) is killed before it is started again, never duplicated', async () => {
  const { w, monitor, beat } = world();
  w.t = 3100;
  beat('tx-filter-0', 500);
  beat('egg-of-life-1', 11);
  w.pidFiles.set('tx-filter-0', 500);
  w.t = 4000;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(w.started, [], 'silent 900 ms < timeout: alive');
  w.t = 4200; // 1100 ms of silence
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(w.killed, [500]);
  assert.deepEqual(w.started, ['tx-filter-0']);
  assert.equal(monitor.restarts[0].newPid, 1000);
  // The new process is in its grace: no second restart before it heartbeats.
  w.t = 5500;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(w.started, ['tx-filter-0']);
});

test('monitor: a non-leader tracks the dead and acts once it leads', async () => {
  const { w, monitor, beat } = world(false);
  w.t = 3100;
  beat('egg-of-life-1', 11);
  beat('tx-filter-0', 500);
  w.alive.delete(500); // SIGKILLed
  w.t = 4200;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(monitor.dead(), ['tx-filter-0']);
  assert.deepEqual(w.started, []);
  w.leader = true;
  await monitor.check();
  assert.deepEqual(w.started, ['tx-filter-0']);
});

test('monitor: a restarted process that exits at boot is noticed before its grace ends, with backoff', async () => {
  const { w, monitor, beat } = world();
  w.t = 3100;
  beat('egg-of-life-1', 11);
  await monitor.check(); // tx-filter-0 never spoke: restarted as 1000
  assert.deepEqual(w.started, ['tx-filter-0']);
  w.alive.delete(1000); // crashes while booting
  w.t = 3350;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(w.started, ['tx-filter-0', 'tx-filter-0'], 'early exit detected without waiting the grace');
  w.alive.delete(1001);
  w.t = 3600;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.equal(w.started.length, 2, 'second failure in a row backs off');
  w.t = 3900;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.equal(w.started.length, 3);
});

test('monitor: two live processes heartbeating as one node: the one not in the pid file is killed', async () => {
  const { w, monitor, beat } = world();
  w.t = 3100;
  beat('egg-of-life-1', 11);
  beat('tx-filter-0', 500);
  beat('tx-filter-0', 600);
  w.pidFiles.set('tx-filter-0', 600);
  await monitor.check();
  assert.deepEqual(w.killed, [500]);
  assert.deepEqual(w.started, []);
});

test('monitor: the grace ends with the first heartbeat (a node killed right after starting is not left for the whole grace)', async () => {
  const { w, monitor, beat } = world();
  w.t = 100;
  beat('egg-of-life-1', 11);
  beat('tx-filter-0', 500);
  w.alive.delete(500);
  w.t = 1200;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(w.started, ['tx-filter-0'], 'dead after timeout_interval, well inside the 3000 ms startup grace');
});

test('monitor: a node never heard since our start but with a pid file has booted: no startup grace for it', async () => {
  const { w, monitor, beat } = world();
  w.pidFiles.set('tx-filter-0', 500); // written, then the process died before we heard it
  w.t = 1100;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(w.started, ['tx-filter-0']);
});

test('monitor: a node booting under load (pid file written, process alive, no heartbeat yet) keeps its startup grace', async () => {
  const { w, monitor, beat } = world();
  w.pidFiles.set('tx-filter-0', 600);
  w.alive.add(600);
  w.t = 2500; // past timeout_interval, inside the startup grace
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(w.started, [], 'a live, still-silent booting node is not restarted during the grace');
});

test('monitor: a node that heartbeats, then dies soon after each restart, is restarted with growing back-off (issue 9 #5)', async () => {
  const { w, monitor, beat } = world();
  const m = monitor as unknown as { backoff: { baseMs: number; maxMs: number; stableMs: number } };
  m.backoff = { baseMs: 500, maxMs: 4000, stableMs: 30_000 };
  w.t = 3100;
  beat('egg-of-life-1', 11);
  beat('tx-filter-0', 500);
  const startsAt: number[] = [];
  let pid = 500;
  // It heartbeats for a while after every start (a WAL write failing on a full disk), then dies.
  for (let step = 0; step < 400 && startsAt.length < 7; step++) {
    w.t += 250;
    beat('egg-of-life-1', 11);
    const before = w.started.length;
    await monitor.check();
    if (w.started.length > before) {
      startsAt.push(w.t);
      pid = w.nextPid - 1;
    }
    if (w.alive.has(pid) && w.t - (startsAt.at(-1) ?? 3100) < 1500) beat('tx-filter-0', pid);
    else w.alive.delete(pid);
  }
  const gaps = startsAt.slice(1).map((t, i) => t - startsAt[i]);
  // Without back-off every gap is the same ~2.5 s (live 1.5 s + timeout 1 s): a restart loop.
  assert.ok(gaps.length >= 5, `too few restarts: ${startsAt.join(',')}`);
  assert.ok(gaps.at(-1)! >= 4000, `no back-off: gaps ${gaps.join(',')}`);
  assert.ok(
    gaps.every((g) => g <= 4000 + 1500 + 1000 + 250),
    `back-off not capped: gaps ${gaps.join(',')}`,
  );
});

test('monitor: a restart another leader just made (restart record) is adopted, not repeated (issue 9 #22)', async () => {
  const { w, monitor, beat } = world();
  const records = new Map<string, RestartRecord>();
  const o = (monitor as unknown as { o: MonitorOptions }).o;
  o.records = { read: (id) => records.get(id), write: (r) => records.set(r.id, r) };
  o.wallNow = () => 1_000_000 + w.t;
  w.t = 3100;
  beat('egg-of-life-1', 11);
  // tx-filter-0 never spoke; the other replica (the previous leader) restarted it 1 s ago as pid 777.
  w.alive.add(777);
  records.set('tx-filter-0', { id: 'tx-filter-0', by: 'egg-of-life-1', term: 1, at: 1_000_000 + w.t - 1000, pid: 777 });
  await monitor.check();
  assert.deepEqual(w.started, [], 'restarted a node another leader had just restarted');
  assert.deepEqual(w.killed, []);
  // That process dies at boot: now it is ours to restart, and our record says so.
  w.alive.delete(777);
  w.t += 250;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(w.started, ['tx-filter-0']);
  assert.equal(records.get('tx-filter-0')?.by, 'egg-of-life-0');
  assert.equal(records.get('tx-filter-0')?.pid, 1000);
  // An intent without pid (the other leader is killing the old process) makes us wait.
  records.set('tx-filter-0', { id: 'tx-filter-0', by: 'egg-of-life-1', term: 2, at: 1_000_000 + w.t, pid: undefined });
  w.alive.delete(1000);
  w.t += 250;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.equal(w.started.length, 1);
});

test('monitor: a new leader waits its grace before restarting (issue 9 #22)', async () => {
  const { w, monitor, beat } = world(false);
  (monitor as unknown as { o: MonitorOptions }).o.leaderGraceMs = 500;
  w.t = 3100;
  beat('egg-of-life-1', 11);
  await monitor.check();
  w.leader = true;
  w.t = 3350;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(w.started, [], 'acted at once on becoming leader');
  w.t = 3850;
  beat('egg-of-life-1', 11);
  await monitor.check();
  assert.deepEqual(w.started, ['tx-filter-0']);
});
