import type { TopLevelSpec, compile as VlCompile } from 'vega-lite';
import type * as Vega from 'vega';

/**
 * The report's charts: Vega-Lite specs, compiled with `vega-lite` and rendered to SVG by
 * `vega`'s headless View when report.html is written. The libraries are imported on first
 * use only: they take about a second to load, which the nodes and the CLI's other commands
 * must not pay.
 */

/** Labels for an empty name / birthdate (a missing reference; see data-quality.ts). */
export const UNKNOWN_ITEM = '(item not in menu_items)';
export const UNKNOWN_STORE = '(store not in stores)';
export const UNKNOWN_BIRTHDATE = '(user not in users)';

const WIDTH = 640;
const FONT = 'system-ui, sans-serif';
const CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
} as const;

export interface AmountBin {
  /** Bin label, e.g. `75–80` or `275+`. */
  bin: string;
  /** Sort key (the bin's lower bound in cents). */
  from: number;
  transactions: number;
}

/** Q1: how the selected transactions' amounts are distributed (pre-binned while reading the CSV). */
export function q1AmountsSpec(bins: readonly AmountBin[]): TopLevelSpec {
  return {
    width: WIDTH,
    height: 220,
    config: CONFIG,
    data: { values: bins.map((b) => ({ ...b })) },
    mark: { type: 'bar', color: '#8c5a3c' },
    encoding: {
      x: { field: 'bin', type: 'ordinal', sort: { field: 'from' }, title: 'final_amount', axis: { labelAngle: -45 } },
      y: { field: 'transactions', type: 'quantitative', title: 'transactions' },
    },
  };
}

export interface MonthItemValue {
  month: string;
  item: string;
  value: number;
}

/** Q2: the winning item of each month, its bar's height the quantity (or profit), its colour the item. */
export function q2Spec(rows: readonly MonthItemValue[], valueTitle: string, items: readonly string[]): TopLevelSpec {
  return {
    width: WIDTH,
    height: 240,
    config: CONFIG,
    data: { values: rows.map((r) => ({ ...r, item: r.item === '' ? UNKNOWN_ITEM : r.item })) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'month', type: 'ordinal', title: 'month', axis: { labelAngle: -45 } },
      y: { field: 'value', type: 'quantitative', title: valueTitle },
      // One domain for both Q2 charts, so an item has the same colour in each.
      color: {
        field: 'item',
        type: 'nominal',
        title: 'item',
        scale: { scheme: 'tableau10', domain: items.map((i) => (i === '' ? UNKNOWN_ITEM : i)) },
      },
    },
  };
}

export interface HalfStoreTpv {
  half: string;
  store: string;
  tpv: number;
}

/** Q3: TPV per store, one bar per half year side by side. */
export function q3Spec(rows: readonly HalfStoreTpv[]): TopLevelSpec {
  return {
    width: WIDTH,
    height: 260,
    config: CONFIG,
    data: { values: rows.map((r) => ({ ...r, store: r.store === '' ? UNKNOWN_STORE : r.store })) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'store', type: 'nominal', title: 'store', axis: { labelAngle: -30, labelLimit: 180 } },
      xOffset: { field: 'half', type: 'ordinal' },
      // Stores missing from stores.csv share one label: their TPVs are summed, not overdrawn.
      y: { aggregate: 'sum', field: 'tpv', type: 'quantitative', title: 'TPV' },
      color: { field: 'half', type: 'ordinal', title: 'half year', scale: { scheme: 'tableau10' } },
    },
  };
}

export interface StoreCustomer {
  store: string;
  rank: number;
  birthdate: string;
  purchases: number;
}

/** Q4: each store's top customers (rank 1..3) as bars, labelled with their birthdate. */
export function q4Spec(rows: readonly StoreCustomer[]): TopLevelSpec {
  const values = rows.map((r) => ({
    store: r.store === '' ? UNKNOWN_STORE : r.store,
    rank: `#${r.rank}`,
    birthdate: r.birthdate === '' ? UNKNOWN_BIRTHDATE : r.birthdate,
    purchases: r.purchases,
  }));
  const stores = new Set(values.map((v) => v.store)).size;
  return {
    width: WIDTH - 120,
    height: Math.max(60, values.length * 9 + stores * 6),
    config: CONFIG,
    data: { values },
    encoding: {
      y: { field: 'store', type: 'nominal', title: null, axis: { labelLimit: 220 } },
      yOffset: { field: 'rank', type: 'ordinal', sort: 'ascending' },
      x: { field: 'purchases', type: 'quantitative', title: 'purchases' },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: { color: { field: 'rank', type: 'ordinal', title: 'rank', scale: { scheme: 'browns' }, sort: 'descending' } },
      },
      {
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 9, color: '#333' },
        encoding: { text: { field: 'birthdate', type: 'nominal' } },
      },
    ],
  };
}

export interface RenderedCharts {
  svgs: string[];
  /** Time to load the libraries (first call only) and to render every chart, in ms. */
  loadMs: number;
  renderMs: number;
}

let libraries: Promise<{ compile: typeof VlCompile; vega: typeof Vega }> | undefined;

function loadLibraries(): NonNullable<typeof libraries> {
  libraries ??= Promise.all([import('vega-lite'), import('vega')]).then(([vl, vega]) => ({ compile: vl.compile, vega }));
  return libraries;
}

/**
 * Starts loading the chart libraries now (a client calls it once its upload is done, while it
 * waits for the results), so the page's render after the last report does not wait for them.
 * A failed load surfaces in renderCharts, where it always did.
 */
export function preloadChartLibraries(): Promise<void> {
  return loadLibraries().then(
    () => undefined,
    () => undefined,
  );
}

/**
 * Renders one small chart of each kind and throws the result away: the build runs it before
 * saving the client's code cache (src/tools/cli/client-entry.ts), so the cache holds Vega's
 * compile and render code too, not only its module code.
 */
export async function warmUpCharts(): Promise<void> {
  await renderCharts([
    q1AmountsSpec([{ bin: '75–80', from: 7500, transactions: 2 }]),
    q2Spec([{ month: '2024-01', item: 'Latte', value: 3 }], 'quantity', ['Latte']),
    q3Spec([{ half: '2024-H1', store: 'A', tpv: 10 }]),
    q4Spec([{ store: 'A', rank: 1, birthdate: '2000-01-01', purchases: 2 }]),
  ]);
}

/** Compiles and renders each spec to an SVG element ready to inline in HTML. */
export async function renderCharts(specs: readonly TopLevelSpec[]): Promise<RenderedCharts> {
  const t0 = performance.now();
  const { compile, vega } = await loadLibraries();
  const t1 = performance.now();
  const svgs: string[] = [];
  for (const spec of specs) {
    // renderer 'none': no canvas, no DOM; toSVG() produces the markup with text escaped by Vega.
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
    try {
      svgs.push(inlineSvg(await view.toSVG()));
    } finally {
      view.finalize();
    }
  }
  return { svgs, loadMs: t1 - t0, renderMs: performance.now() - t1 };
}

/**
 * Inside HTML the parser puts <svg> in the SVG namespace by itself: the xmlns declarations
 * are dropped so the page holds no URL at all (not even namespace names). The fixed
 * width/height become a max-width so a chart shrinks on a narrow window.
 */
function inlineSvg(svg: string): string {
  return svg.replace(/^<svg\b([^>]*)>/, (_m, attrs: string) => {
    const kept = attrs.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '').replace(/\s+version="[^"]*"/, '');
    return `<svg role="img"${kept} style="max-width:100%;height:auto">`;
  });
}
