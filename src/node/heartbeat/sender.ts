import dgram from 'node:dgram';
import { HeartbeatEncoder } from './message.js';
import { everyOnGrid, type GridTimer } from '../grid-timer.js';

export interface HeartbeatTarget {
  host: string;
  port: number;
}

export interface HeartbeatSenderOptions {
  id: string;
  kind: string;
  /** Every Egg of Life replica gets every heartbeat, so any of them can take over as leader. */
  targets: HeartbeatTarget[];
  /** ms between heartbeats (SYSTEM.md: 200). */
  intervalMs: number;
  /** The cluster secret every heartbeat is signed with (auth.ts). */
  secret: Buffer;
}

/**
 * Sends a UDP heartbeat to every Egg of Life replica every `intervalMs` until stopped: one at
 * start, then at the multiples of `intervalMs` on the wall clock, the grid every node keeps
 * (grid-timer.ts), so the eggs receive the cluster's heartbeats in bursts.
 */
export class HeartbeatSender {
  private readonly socket = dgram.createSocket('udp4');
  private timer: GridTimer | undefined;
  private options: HeartbeatSenderOptions;
  private readonly encoder: HeartbeatEncoder;

  constructor(options: HeartbeatSenderOptions) {
    this.options = options;
    this.encoder = new HeartbeatEncoder(options.secret, { id: options.id, kind: options.kind, pid: process.pid });
    // A missing receiver (ICMP port unreachable) must never take the node down.
    this.socket.on('error', () => undefined);
    this.socket.unref();
  }

  start(): this {
    if (this.timer) return this;
    const beat = (): void => {
      // Signed afresh each time: a time and counter inside the MAC make every datagram unique (no replay).
      const payload = this.encoder.encode();
      for (const t of this.options.targets) this.socket.send(payload, t.port, t.host, () => undefined);
    };
    beat();
    this.timer = everyOnGrid(beat, this.options.intervalMs);
    return this;
  }

  /** Points the heartbeats elsewhere (a component's own `heartbeat.*` config) and restarts them. */
  reconfigure(targets: HeartbeatTarget[], intervalMs: number): void {
    this.options = { ...this.options, targets, intervalMs };
    if (this.timer) {
      this.timer.stop();
      this.timer = undefined;
      this.start();
    }
  }

  stop(): void {
    this.timer?.stop();
    this.timer = undefined;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
