import { readdirSync, readFileSync } from 'node:fs';

export interface BrokerUsage {
  cpuSeconds: number;
  diskWriteBytes: number;
}

/**
 * CPU seconds and bytes written to storage so far by the local RabbitMQ (every `beam.smp`
 * process), from /proc; null where /proc is not readable (the broker then does not appear).
 */
export function brokerUsage(): BrokerUsage | null {
  let ticks = 0;
  let written = 0;
  let found = false;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'beam.smp') continue;
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
