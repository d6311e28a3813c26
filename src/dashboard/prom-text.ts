/**
 * Prometheus text exposition (format 0.0.4), the two things the dashboard needs: merge several
 * nodes' expositions into one scrape target, and read a counter's value. Each node already labels
 * its samples with `node` and `kind` (prom-client default labels), so merging only has to put
 * every metric family once: a second `# HELP`/`# TYPE` for a name is an error to Prometheus.
 */

interface Family {
  help?: string;
  type?: string;
  samples: string[];
}

/** The family name a sample line belongs to (histogram/summary series share their base name). */
function familyOf(sampleName: string, families: ReadonlyMap<string, Family>): string {
  for (const suffix of ['_bucket', '_sum', '_count', '_created']) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const t = families.get(base)?.type;
    if (t === 'histogram' || t === 'summary') return base;
  }
  return sampleName;
}

function sampleName(line: string): string {
  const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  return m ? m[0] : '';
}

/** Merges expositions: one HELP/TYPE per family, then every sample of every input, in input order. */
export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { samples: [] }));
    return f;
  };
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (meta) {
        const f = family(meta[2]);
        if (meta[1] === 'HELP') f.help ??= meta[3];
        else f.type ??= meta[3];
        continue;
      }
      if (line.startsWith('#')) continue;
      const name = sampleName(line);
      if (name) family(familyOf(name, families)).samples.push(line);
    }
  }
  const out: string[] = [];
  for (const [name, f] of families) {
    if (f.samples.length === 0) continue;
    if (f.help !== undefined) out.push(`# HELP ${name} ${f.help}`);
    if (f.type !== undefined) out.push(`# TYPE ${name} ${f.type}`);
    out.push(...f.samples);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** Sum of every sample of `name` in an exposition (0 if there is none). */
export function sumSamples(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.charAt(name.length);
    if (rest !== '{' && rest !== ' ') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}
