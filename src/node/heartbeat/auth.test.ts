import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterConfigSchema } from '../config/cluster.js';
import { loadClusterSecret, ReplayGuard, secretFile } from './auth.js';
import { decodeHeartbeat, encodeHeartbeat } from './message.js';

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
  // A flipped byte in the body breaks the MAC.
  const tampered = Buffer.from(encodeHeartbeat(SECRET, { id: 'a-0', kind: 'a', pid: 1 }).toString().replace('"pid":1', '"pid":7'));
  assert.equal(decodeHeartbeat(SECRET, tampered, guard), null);
  assert.equal(decodeHeartbeat(SECRET, Buffer.alloc(4096, 0x61), guard), null);
  for (const junk of ['', '.', 'a'.repeat(64) + '.{}', 'a'.repeat(64) + '.null'])
    assert.equal(decodeHeartbeat(SECRET, Buffer.from(junk), guard), null);
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
