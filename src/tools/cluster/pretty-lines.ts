import { prettyFactory } from 'pino-pretty';

/**
 * Turns the cluster's `[id] {json}` log lines into pino-pretty's readable form
 * (`[12:00:00.123] INFO (tx-filter-0): ready`, extra fields indented below) for a person at a
 * terminal. Lines that are not JSON (a crash's stack trace) pass through as they are.
 */
export function prettyLines(write: (text: string) => void, colorize: boolean): (line: string) => void {
  const pretty = prettyFactory({ colorize, ignore: 'pid,hostname,node', translateTime: 'SYS:HH:MM:ss.l', singleLine: false });
  return (line) => {
    const m = /^\[([a-z0-9-]+)\] (\{.*\})$/.exec(line);
    if (m) {
      try {
        const text = pretty(JSON.parse(m[2]) as Record<string, unknown>);
        if (text) return write(text.endsWith('\n') ? text : `${text}\n`);
      } catch {
        // not a log object after all
      }
    }
    write(`${line}\n`);
  };
}
