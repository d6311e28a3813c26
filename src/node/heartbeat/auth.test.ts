import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterConfigSchema } from '../config/cluster.js';
import { createHmac } from 'node:crypto';
import { loadClusterSecret, open, ReplayGuard, seal, secretFile } from './auth.js';
import { decodeHeartbeat, encodeHeartbeat, HeartbeatEncoder, heartbeatKey } from './message.js';

const SECRET = Buffer.from('k'.repeat(64));

test('heartbeat: authentic is accepted once; forged, wrong-key, replayed, stale and oversized are rejected (issue 9 #8)', () => {
  const guard = new ReplayGuard(10_000);
  const hb = encodeHeartbeat(SECRET, { id: 'q4-count-0', kind: 'q4-count', pid: 1234 });
  assert.deepEqual({ ...decodeHeartbeat(SECRET, hb, guard), ts: 0 }, { id: 'q4-count-0', kind: 'q4-count', pid: 1234, ts: 0 });
  assert.equal(decodeHeartbeat(SECRET, hb, guard), null, 'replay accepted');
  // The pre-fix wire format: plain JSON, anyone could send it.
  assert.equal(decodeHeartbeat(SECRET, Buffer.from(JSON.stringify({ id: 'q4-count-0', kind: 'q4-count', pid: 1, ts: 0 })), guard), null);
  assert.equal(decodeHeartbeat(SECRET, encodeHeartbeat(Buffer.from('x'.repeat(64)), { id: 'a-0', kind: 'a', pid: 1 }), guard), null);
  assert.equal(decodeHeartbeat(SECRET, encodeHeartbeat(SECRET, { id: 'a-0', kind: 'a', pid: 1 }, Date.now() - 11_000), guard), null);
  assert.equal(decodeHeartbeat(SECRET, encodeHeartbeat(SECRET, { id: 'a-0', kind: 'a', pid: 1 }, Date.now() + 11_000), guard), null);
  assert.equal(decodeHeartbeat(SECRET, Buffer.alloc(4096, 0x61), guard), null);
  for (const junk of ['', '.', 'HB', 'a'.repeat(64) + '.{}', 'a'.repeat(64) + '.null'])
    assert.equal(decodeHeartbeat(SECRET, Buffer.from(junk), guard), null);
  // The key may be given once as a KeyObject (what the receiver does) with the same result.
  assert.ok(decodeHeartbeat(heartbeatKey(SECRET), encodeHeartbeat(SECRET, { id: 'b-0', kind: 'b', pid: 9 }), guard));
});

test('heartbeat: every flipped bit, truncation or extension breaks it', () => {
  const hb = encodeHeartbeat(SECRET, { id: 'item-filter-1', kind: 'item-filter', pid: 4321 });
  assert.ok(decodeHeartbeat(SECRET, hb, new ReplayGuard(10_000)), 'the original is accepted');
  for (let i = 0; i < hb.length; i++)
    for (const bit of [0x01, 0x80]) {
      const bad = Buffer.from(hb);
      bad[i] ^= bit;
      assert.equal(decodeHeartbeat(SECRET, bad, new ReplayGuard(10_000)), null, `byte ${i} bit ${bit} flipped and accepted`);
    }
  for (let n = 0; n < hb.length; n++) assert.equal(decodeHeartbeat(SECRET, hb.subarray(0, n), new ReplayGuard(10_000)), null);
  assert.equal(decodeHeartbeat(SECRET, Buffer.concat([hb, Buffer.of(0)]), new ReplayGuard(10_000)), null);
});

test('heartbeat: signed but malformed names or pid are refused; the encoder refuses them up front', () => {
  // A secret holder writing a bad datagram by hand: the MAC is right, the content is not.
  const signed = (id: string, kind: string, pid: number): Buffer => {
    const head = Buffer.alloc(23);
    head.set([0x48, 0x42, 0x01]);
    head.writeDoubleLE(Date.now(), 3);
    head.writeDoubleLE(Math.random() * 1e15, 11);
    head.writeUInt32LE(pid, 19);
    const body = Buffer.concat([
      head,
      Buffer.of(id.length),
      Buffer.from(id, 'latin1'),
      Buffer.of(kind.length),
      Buffer.from(kind, 'latin1'),
    ]);
    return Buffer.concat([body, createHmac('sha256', SECRET).update(body).digest()]);
  };
  assert.ok(decodeHeartbeat(SECRET, signed('q1-sort-0', 'q1-sort', 7), new ReplayGuard(10_000)), 'the hand-made good one passes');
  for (const [id, kind, pid] of [
    ['Q1-sort-0', 'q1-sort', 7],
    ['q1 sort', 'q1-sort', 7],
    ['', 'q1-sort', 7],
    ['q1-sort-0', 'q1/sort', 7],
    ['q1-sort-0', 'q1-sort', 0],
  ] as const)
    assert.equal(decodeHeartbeat(SECRET, signed(id, kind, pid), new ReplayGuard(10_000)), null, `${id} ${kind} ${pid}`);
  assert.throws(() => new HeartbeatEncoder(SECRET, { id: 'Bad Id', kind: 'x', pid: 1 }), RangeError);
  assert.throws(() => new HeartbeatEncoder(SECRET, { id: 'a-0', kind: 'a', pid: 0 }), RangeError);
  // Each beat is its own buffer with its own counter: both are fresh.
  const enc = new HeartbeatEncoder(SECRET, { id: 'a-0', kind: 'a', pid: 1 });
  const guard = new ReplayGuard(10_000);
  const [one, two] = [enc.encode(), enc.encode()];
  assert.notDeepEqual(one, two);
  assert.ok(decodeHeartbeat(SECRET, one, guard) && decodeHeartbeat(SECRET, two, guard));
});

test('heartbeat and election formats never pass for each other', () => {
  const election = Buffer.from(seal(SECRET, 'el', 'egg-0', { type: 'PING', from: 0 }));
  assert.equal(decodeHeartbeat(SECRET, election, new ReplayGuard(10_000)), null);
  const hb = encodeHeartbeat(SECRET, { id: 'egg-0', kind: 'egg-of-life', pid: 1 });
  assert.equal(open(SECRET, 'el', hb.toString('latin1'), new ReplayGuard(10_000)), null);
  assert.equal(open(SECRET, 'el', hb.toString('utf8'), new ReplayGuard(10_000)), null);
});

test('replay guard: memory bounded by maxSenders', () => {
  const guard = new ReplayGuard(10_000, 8);
  for (let i = 0; i < 1000; i++) assert.ok(guard.accept(`s${i}`, Date.now(), 1));
  // The oldest senders were forgotten; the map never held more than 8.
  assert.equal((guard as unknown as { seen: Map<string, unknown> }).seen.size, 8);
});

test('cluster secret: generated once with mode 0600 under the run dir; env wins; a configured missing file is an error', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'secret-'));
  const cluster = ClusterConfigSchema.parse({ run_dir: dir });
  const a = loadClusterSecret(cluster, {});
  const b = loadClusterSecret(cluster, {});
  assert.deepEqual(a, b);
  assert.equal(statSync(secretFile(cluster)).mode & 0o777, 0o600);
  assert.equal(readFileSync(secretFile(cluster), 'utf8').trim(), a.toString());
  assert.equal(loadClusterSecret(cluster, { COFFEE_CLUSTER_SECRET: 'e'.repeat(40) }).toString(), 'e'.repeat(40));
  const configured = ClusterConfigSchema.parse({ run_dir: dir, security: { secret_file: path.join(dir, 'nope') } });
  assert.throws(() => loadClusterSecret(configured, {}), /ERR_CONFIG|cannot be read/);
  assert.throws(() => loadClusterSecret(cluster, { COFFEE_CLUSTER_SECRET: 'short' }), /too short/);
});
