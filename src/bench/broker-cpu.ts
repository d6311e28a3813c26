import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds used so far by the local RabbitMQ (every `beam.smp` process), from /proc; null
 * where /proc is not readable (the broker then does not appear in the breakdown).
 */
export function brokerCpuSeconds(): number | null {
  let ticks = 0;
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
        found = true;
      } catch {
        // the process went away
      }
    }
  } catch {
    return null;
  }
  return found ? ticks / 100 : null; // USER_HZ is 100 on Linux
}
