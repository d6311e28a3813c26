import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { DockerRunner } from './docker-runner.js';

/** A hand-made engine: containers with a state, every call recorded (the real engine is in src/e2e/docker.e2e.test.ts). */
function engine(initial: Record<string, string>) {
  const states = new Map(Object.entries(initial));
  const calls: string[] = [];
  let pid = 100;
  const pids = new Map<string, number>();
  const docker = {
    listContainers: () => Promise.resolve([...states].map(([n, s]) => ({ Names: [`/${n}`], State: s }))),
    getContainer: (name: string) => ({
      inspect: () => {
        const s = states.get(name);
        if (s === undefined) return Promise.reject(Object.assign(new Error('no such container'), { statusCode: 404 }));
        return Promise.resolve({ State: { Status: s, Pid: s === 'running' || s === 'paused' ? (pids.get(name) ?? 0) : 0 } });
      },
      unpause: () => {
        calls.push(`unpause ${name}`);
        states.set(name, 'running');
        return Promise.resolve();
      },
      kill: () => {
        calls.push(`kill ${name}`);
        // The engine refuses to kill a paused container.
        if (states.get(name) === 'paused') return Promise.reject(Object.assign(new Error('paused'), { statusCode: 409 }));
        states.set(name, 'exited');
        return Promise.resolve();
      },
      start: () => {
        calls.push(`start ${name}`);
        if (!states.has(name)) return Promise.reject(Object.assign(new Error('no such container'), { statusCode: 404 }));
        states.set(name, 'running');
        pids.set(name, ++pid);
        return Promise.resolve();
      },
    }),
  };
  return { docker: docker as unknown as Docker, states, calls };
}

const log = { warn: () => undefined };
const spec = { id: 'gateway-0', kind: 'gateway' as const, index: 0, args: [], env: {} };

test('docker runner: a paused container is present (dead but not gone): unpaused, killed, then started', async () => {
  const e = engine({ 'c-gateway-0': 'paused' });
  const r = new DockerRunner({ socketPath: '', containerOf: (id) => `c-${id}`, log, docker: e.docker });
  await r.refresh();
  assert.equal(r.isInstance(1, 'gateway-0'), true);
  r.kill(1, 'gateway-0');
  r.kill(7, 'gateway-0'); // a second candidate of the same node: one kill
  assert.equal(await r.waitGone([1, 7], 'gateway-0'), true);
  assert.equal(r.isInstance(1, 'gateway-0'), false);
  const pid = await r.start(spec);
  assert.deepEqual(e.calls, ['unpause c-gateway-0', 'kill c-gateway-0', 'start c-gateway-0']);
  assert.equal(r.recorded('gateway-0'), pid);
  assert.equal(r.isInstance(pid, 'gateway-0'), true);
});

test('docker runner: start of a running (hung) container kills it first; a killed one is just started', async () => {
  const e = engine({ 'c-gateway-0': 'running', 'c-q2-agg-0': 'exited' });
  const r = new DockerRunner({ socketPath: '', containerOf: (id) => `c-${id}`, log, docker: e.docker });
  await r.start(spec);
  await r.start({ ...spec, id: 'q2-agg-0', kind: 'q2-agg' });
  assert.deepEqual(e.calls, ['kill c-gateway-0', 'start c-gateway-0', 'start c-q2-agg-0']);
});

test('docker runner: a missing container is an ERR_DOCKER error, not a silent success', async () => {
  const e = engine({});
  const r = new DockerRunner({ socketPath: '', containerOf: (id) => `c-${id}`, log, docker: e.docker });
  await assert.rejects(r.start(spec), (err: Error & { code?: string }) => err.code === 'ERR_DOCKER');
});
