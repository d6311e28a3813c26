import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface BrokerUsage {
  cpuSeconds: number;
  diskWriteBytes: number;
}

/** Inodes of the sockets listening on any of `ports` (IPv4 and IPv6), from /proc/net. */
function listeningInodes(ports: readonly number[]): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A is LISTEN, inode is the 10th field.
      if (f.length < 10 || f[3] !== '0A') continue;
      const port = parseInt(f[1].slice(f[1].lastIndexOf(':') + 1), 16);
      if (ports.includes(port)) inodes.add(f[9]);
    }
  }
  return inodes;
}

function holdsSocket(pid: string, inodes: Set<string>): boolean {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1])) return true;
    }
  } catch {
    // the process went away, or its fds are not ours to read
  }
  return false;
}

/**
 * CPU seconds and bytes written to storage so far by the local RabbitMQ, from /proc; null where
 * /proc is not readable or no broker process is found (the broker then does not appear). With
 * `amqpPorts`, only the `beam.smp` processes listening on those ports count: a shared machine
 * may run other RabbitMQ nodes (tests' private clusters) whose writes are not this run's.
 */
export function brokerUsage(amqpPorts?: readonly number[]): BrokerUsage | null {
  let ticks = 0;
  let written = 0;
  let found = false;
  const inodes = amqpPorts === undefined ? null : listeningInodes(amqpPorts);
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'beam.smp') continue;
        if (inodes !== null && !holdsSocket(pid, inodes)) continue;
        // Fields after the parenthesised command: utime and stime are the 12th and 13th.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
        const io = /^write_bytes:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
        written += io ? Number(io[1]) : 0;
        found = true;
      } catch {
        // the process went away
      }
    }
  } catch {
    return null;
  }
  return found ? { cpuSeconds: ticks / 100, diskWriteBytes: written } : null; // USER_HZ is 100 on Linux
}
