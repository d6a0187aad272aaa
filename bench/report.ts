/**
 * Renders a run (bench/results/*.json): the Markdown tables of docs/benchmarks.md
 * (between its `<!-- bench:begin -->` and `<!-- bench:end -->` markers) and an SVG
 * chart of the ratios, drawn here with no dependency and no external service.
 *
 *   node --import tsx bench/report.ts bench/results/<run>.json [--docs]
 *
 * prints the tables (and with --docs rewrites docs/benchmarks.md and docs/benchmarks.svg)
 * from a saved run, without running anything.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ContenderId } from './contenders.js';
import { LARGE_DIRECTIONS, type LargeResult } from './large.js';
import type { LargeDirection } from './large-child.js';
import type { BenchResults } from './results.js';
import { PHASES, type Phase, type SmallResult } from './small.js';

const ROOT = join(import.meta.dirname, '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const DOC_CHART = join(ROOT, 'docs', 'benchmarks.svg');
const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

/** The targets: small objects within 5 % of the raw SDK, large ones at 90 % of the raw SDK and of curl (the limit), RSS. */
export const TARGETS = { smallRatio: 0.95, smallCpuRatio: 1.05, largeRatio: 0.9, limitRatio: 0.9, rssMiB: 64 } as const;
/** The machine's limit every large case is measured against (bench/limits.ts), and the plain Node client. */
const LIMIT: Id = 'curl';
const NODE_HTTP: Id = 'node-http';
const DIRECTION_LABEL: Record<LargeDirection, string> = {
  save: 'save, length unknown',
  'save-known': 'save, length known',
  read: 'read',
};

type Id = ContenderId | 'django-minio-backend';
const PAIRS = [
  { driver: 'stowage-minio', raw: 'raw-minio', label: 'MinIO driver vs minio-js' },
  { driver: 'stowage-s3', raw: 'raw-s3', label: 'S3 driver vs @aws-sdk/client-s3' },
] as const;
/** Which stowage driver a peer is compared with: the one on the same SDK. */
const PEERS: ReadonlyArray<{ peer: Id; driver: Id }> = [
  { peer: 'flydrive-s3', driver: 'stowage-s3' },
  { peer: 'flystorage-s3', driver: 'stowage-s3' },
  { peer: 'sab-aws', driver: 'stowage-s3' },
  { peer: 'sab-minio', driver: 'stowage-minio' },
  { peer: 'django-minio-backend', driver: 'stowage-minio' },
  { peer: 'opendal', driver: 'stowage-minio' },
  { peer: 'opendal', driver: 'stowage-s3' },
];
const PHASE_LABEL: Record<Phase, string> = { save: 'save', read: 'open+read', exists: 'exists', delete: 'delete' };

/** Writes the chart (and with `docs`, the docs page and its chart); returns the paths written. */
export function writeReport(
  results: BenchResults,
  source: string,
  options: { docs: boolean; chart: string },
): string[] {
  const svg = renderSvg(results);
  writeFileSync(options.chart, svg);
  const written = [options.chart];
  if (options.docs) {
    writeFileSync(DOC_CHART, svg);
    const page = readFileSync(DOC, 'utf8');
    const begin = page.indexOf(BEGIN);
    const end = page.indexOf(END);
    if (begin < 0 || end < begin) throw new Error(`${DOC} has no ${BEGIN} ... ${END} section`);
    const tables = renderMarkdown(results, relative(ROOT, source));
    writeFileSync(DOC, `${page.slice(0, begin + BEGIN.length)}\n${tables}\n${page.slice(end)}`);
    // The repository's formatter aligns Markdown tables; the page stays as `npm run lint` wants it.
    execFileSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', DOC], { stdio: 'ignore' });
    written.push(DOC, DOC_CHART);
  }
  return written;
}

export function renderMarkdown(results: BenchResults, source: string): string {
  const out: string[] = [];
  const m = results.machine;
  out.push(
    `Run of ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC (${source}, ${Math.round(results.durationSeconds / 60)} min): ` +
      `\`${results.command}\` on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}; ` +
      `MinIO ${m.minio} (${m.minioKind ?? 'minio'}) with its data on ${m.minioData ?? '?'}, on the same machine; ` +
      `stowage ${results.stowage.commit}${results.stowage.changedFiles.length ? ` with uncommitted changes to ${results.stowage.changedFiles.length} files` : ''}, measured as built (\`${results.stowage.entryPoint}\`).`,
  );
  if (results.notes.length) out.push('', ...results.notes.map((note) => `> ${note}`));
  out.push('', '### Against the targets', '', ...targetTable(results));
  if (results.small.length) out.push('', '### Small objects (4 KiB)', '', ...smallTables(results));
  if (Object.keys(results.requests).length)
    out.push('', '### HTTP requests per operation', '', ...requestTable(results));
  if (results.large.length)
    out.push(
      '',
      `### Large objects (${results.large[0]?.bytes ? mib(results.large[0].bytes) : '?'})`,
      '',
      ...largeTable(results),
    );
  if (results.contention.length) out.push('', '### Names under contention', '', ...contentionTable(results));
  if (results.local.length) out.push('', '### Memory and fs drivers (4 KiB)', '', ...localTable(results));
  if (results.startup) out.push('', '### Start-up', '', ...startupTable(results));
  return out.join('\n');
}

function targetTable(r: BenchResults): string[] {
  const rows: string[][] = [];
  for (const pair of PAIRS) {
    const control: Id = `${pair.raw}-again`;
    const ratios = smallRatios(r, pair.driver, pair.raw);
    if (ratios.length) {
      const worst = ratios.reduce((a, b) => (b.ratio < a.ratio ? b : a));
      rows.push([
        `small objects, ${pair.label}: within 5 %`,
        `worst ${x(worst.ratio)} (${PHASE_LABEL[worst.phase]}, c=${worst.concurrency}); median ${x(median(ratios.map((q) => q.ratio)))}${spread(smallRatios(r, control, pair.raw))}`,
        met(worst.ratio >= TARGETS.smallRatio),
      ]);
    }
    const cpu = cpuRatios(r, pair.driver, pair.raw);
    if (cpu.length) {
      const worst = cpu.reduce((a, b) => (b.ratio > a.ratio ? b : a));
      const limit = TARGETS.smallCpuRatio;
      const within = cpu.filter((q) => q.ratio <= limit);
      const intervals = cpu.every((q) => q.high !== undefined);
      const decided = intervals
        ? `; ${within.filter((q) => (q.high as number) <= limit).length} of them with the whole 95 % interval within, ${cpu.filter((q) => (q.low as number) > limit).length} with the whole interval over`
        : '';
      rows.push([
        `small objects, ${pair.label}: client CPU per operation ≤ ${x(limit)} the raw SDK's (median over the blocks)`,
        `worst ${withInterval(worst)} (${PHASE_LABEL[worst.phase]}, c=${worst.concurrency}); ${within.length} of ${cpu.length} within${decided}${spread(cpuRatios(r, control, pair.raw))}`,
        met(worst.ratio <= limit),
      ]);
    }
    for (const direction of LARGE_DIRECTIONS) {
      const ours = large(r, pair.driver, direction);
      if (!ours) continue;
      rows.push(...limitRows(r, pair.driver, ours));
      const raw = large(r, pair.raw, direction);
      if (raw) {
        const ratio = ours.mbPerSecond / raw.mbPerSecond;
        rows.push([
          `large ${DIRECTION_LABEL[direction]}, ${pair.label}: ≥ 90 % throughput`,
          `${ours.mbPerSecond} vs ${raw.mbPerSecond} MB/s = ${x(ratio)}`,
          met(ratio >= TARGETS.largeRatio),
        ]);
      }
      rows.push([
        `large ${DIRECTION_LABEL[direction]}, ${pair.driver}: peak RSS growth ≤ 64 MiB`,
        `+${ours.rssGrowthMiB} MiB${raw ? ` (raw: +${raw.rssGrowthMiB} MiB)` : ''}`,
        met(ours.rssGrowthMiB <= TARGETS.rssMiB),
      ]);
      const peers = r.large.filter(
        (l) => l.direction === direction && l.bytes === ours.bytes && kind(r, l.contender) === 'peer',
      );
      if (peers.length) {
        const best = peers.reduce((a, b) => (b.mbPerSecond > a.mbPerSecond ? b : a));
        rows.push([
          `large ${DIRECTION_LABEL[direction]}, ${pair.driver}: ahead of every peer`,
          `${ours.mbPerSecond} MB/s; fastest peer ${label(r, best.contender)} ${best.mbPerSecond} MB/s = ${x(ours.mbPerSecond / best.mbPerSecond)}`,
          met(ours.mbPerSecond >= best.mbPerSecond),
        ]);
      }
    }
  }
  for (const { peer, driver } of PEERS) {
    const ratios = peerRatios(r, driver, peer);
    if (ratios.length) {
      const worst = ratios.reduce((a, b) => (b.ratio < a.ratio ? b : a));
      rows.push([
        `ahead of ${label(r, peer)} (small objects, ${driver})`,
        `stowage ÷ peer: worst ${x(worst.ratio)} (${PHASE_LABEL[worst.phase]}, c=${worst.concurrency}), geometric mean ${x(geomean(ratios.map((q) => q.ratio)))}`,
        met(worst.ratio >= 1),
      ]);
    }
    for (const direction of LARGE_DIRECTIONS) {
      const ours = large(r, driver, direction);
      const theirs = large(r, peer, direction);
      // django-minio-backend moves a smaller object: no like-for-like throughput ratio.
      if (!ours || !theirs || ours.bytes !== theirs.bytes) continue;
      const ratio = ours.mbPerSecond / theirs.mbPerSecond;
      rows.push([
        `ahead of ${label(r, peer)} (large ${DIRECTION_LABEL[direction]}, ${driver})`,
        `${ours.mbPerSecond} vs ${theirs.mbPerSecond} MB/s = ${x(ratio)}; RSS +${ours.rssGrowthMiB.toFixed(0)} vs +${theirs.rssGrowthMiB.toFixed(0)} MiB`,
        met(ratio >= 1),
      ]);
    }
  }
  return table(['target', 'measured', 'met'], rows);
}

function smallTables(r: BenchResults): string[] {
  const out: string[] = [];
  for (const concurrency of [...new Set(r.small.map((s) => s.concurrency))]) {
    out.push(`Concurrency ${concurrency}: operations per second (× the raw SDK the row is built on)`, '');
    const rows = r.small
      .filter((s) => s.concurrency === concurrency)
      .map((s) => {
        const raw = rawFor(r, s.contender);
        const base = raw && raw !== s.contender ? small(r, raw, concurrency) : undefined;
        return [
          label(r, s.contender),
          ...PHASES.map((phase) =>
            base
              ? `${s.opsPerSecond[phase]} (${x(s.opsPerSecond[phase] / base.opsPerSecond[phase])})`
              : `${s.opsPerSecond[phase]}`,
          ),
        ];
      });
    out.push(...table(['', ...PHASES.map((p) => PHASE_LABEL[p])], rows), '');
  }
  const cpuRows = r.small
    .filter((s) => s.cpuMicrosPerOp)
    .map((s) => {
      const raw = rawFor(r, s.contender);
      const base = raw && raw !== s.contender ? small(r, raw, s.concurrency) : undefined;
      const own = s.cpuMicrosPerOp as Record<Phase, number>;
      return [
        label(r, s.contender),
        String(s.concurrency),
        ...PHASES.map((phase) =>
          base?.cpuMicrosPerOp ? `${own[phase]} (${withInterval(pairedCpu(s, base, phase))})` : `${own[phase]}`,
        ),
      ];
    });
  if (cpuRows.length) {
    out.push(
      'CPU time of the client process per operation, µs: the median over the blocks. In brackets, × the raw',
      'SDK the row is built on: the median of the block-by-block ratios and its 95 % bootstrap interval. It is',
      'disturbed less by the other processes on the machine than the wall time above; django-minio-backend',
      'is a Python process and has no raw row.',
      '',
      ...table(['', 'concurrency', ...PHASES.map((p) => PHASE_LABEL[p])], cpuRows),
      '',
    );
  }
  return out.slice(0, -1);
}

function requestTable(r: BenchResults): string[] {
  const rows = Object.entries(r.requests).map(([id, counts]) => [
    label(r, id as Id),
    ...PHASES.map((p) => String(counts[p])),
  ]);
  return table(['', ...PHASES.map((p) => PHASE_LABEL[p])], rows);
}

function largeTable(r: BenchResults): string[] {
  const ids = [...new Set(r.large.map((l) => l.contender))];
  const directions = LARGE_DIRECTIONS.filter((d) => r.large.some((l) => l.direction === d));
  const rows = ids.map((id) => {
    const raw = rawFor(r, id);
    const cells = directions.flatMap((direction) => {
      const own = large(r, id, direction);
      if (!own) return ['', '', ''];
      const limit = large(r, LIMIT, direction);
      const base = raw && raw !== id ? large(r, raw, direction) : undefined;
      const ratios = [
        limit && id !== LIMIT && limit.bytes === own.bytes ? `${x(own.mbPerSecond / limit.mbPerSecond)} curl` : '',
        base ? `${x(own.mbPerSecond / base.mbPerSecond)} raw` : '',
      ].filter(Boolean);
      return [
        `${own.mbPerSecond}${ratios.length ? ` (${ratios.join(', ')})` : ''}`,
        own.cpuSecondsPerGiB === undefined ? '' : own.cpuSecondsPerGiB.toFixed(2),
        `+${own.rssGrowthMiB.toFixed(0)}`,
      ];
    });
    const first = r.large.find((l) => l.contender === id);
    const size = first && first.bytes !== r.large[0]?.bytes ? ` (${mib(first.bytes)})` : '';
    return [`${label(r, id)}${size}`, ...cells, String(first?.passes.length ?? 0)];
  });
  const header = directions.flatMap((d) => [`${DIRECTION_LABEL[d]}: MB/s`, 'CPU s/GiB', 'RSS MiB']);
  return [
    ...table(['', ...header, 'passes'], rows),
    '',
    'MB/s of the fastest pass, with × curl (the limit: one PUT or GET of the same bytes to a presigned URL, measured in the',
    "same run) and × the raw SDK the row is built on; CPU: the client's CPU time per GiB moved (for curl, the Node process feeding it plus curl);",
    'RSS: peak growth above the process baseline. curl and plain node:http send one PUT with a Content-Length in both',
    'save cases: S3 refuses a PUT of unknown length.',
  ];
}

/** The "× curl" rows of a stowage driver's large case (a read may instead match plain node:http). */
function limitRows(r: BenchResults, driver: Id, ours: LargeResult): string[][] {
  const limit = large(r, LIMIT, ours.direction);
  if (!limit || limit.bytes !== ours.bytes) return [];
  const ratio = ours.mbPerSecond / limit.mbPerSecond;
  const node = ours.direction === 'read' ? large(r, NODE_HTTP, 'read') : undefined;
  const ok = ratio >= TARGETS.limitRatio || (node !== undefined && ours.mbPerSecond >= node.mbPerSecond);
  return [
    [
      `large ${DIRECTION_LABEL[ours.direction]}, ${driver}: ≥ 0.90× curl${ours.direction === 'read' ? ' (or ≥ plain node:http)' : ''}`,
      `${ours.mbPerSecond} vs ${limit.mbPerSecond} MB/s = ${x(ratio)}${node ? `; node:http ${node.mbPerSecond} MB/s` : ''}; CPU ${ours.cpuSecondsPerGiB ?? '?'} vs ${limit.cpuSecondsPerGiB ?? '?'} s/GiB`,
      met(ok),
    ],
  ];
}

function kind(r: BenchResults, id: Id): string | undefined {
  return r.contenders.find((c) => c.id === id)?.kind;
}

function contentionTable(r: BenchResults): string[] {
  const rows = r.contention.map((c) => [
    label(r, c.subject as Id),
    String(c.ms),
    `${c.distinctNames}`,
    `${c.survivors} / ${c.writers}`,
    c.failures ? `${c.failures}: ${c.firstError ?? ''}` : '0',
  ]);
  return table(['', 'ms until all resolved', 'distinct names', 'writes kept', 'failed saves'], rows);
}

function localTable(r: BenchResults): string[] {
  const rows = r.local.map((l) => [
    l.subject,
    String(l.concurrency),
    String(l.count),
    String(l.savesPerSecond),
    String(l.readsPerSecond),
  ]);
  return table(['', 'concurrency', 'objects', 'saves/s', 'open+reads/s'], rows);
}

function startupTable(r: BenchResults): string[] {
  const s = r.startup;
  if (!s) return [];
  const rows = s.cases.map((c) => [
    `\`${c.imports.join('` + `')}\``,
    String(c.ms),
    String(c.heapKiB),
    String(c.rssKiB),
  ]);
  return [
    ...table(['import (fresh process, median)', 'ms', 'heap KiB', 'RSS KiB'], rows),
    '',
    `\`stowage\` + \`stowage/memory\` load ${s.modulesLoaded} modules, ${s.sdkModules.length === 0 ? 'none of them' : `${s.sdkModules.length} of them (${s.sdkModules.join(', ')})`} from an SDK (minio, @aws-sdk, @smithy) or inversify.`,
  ];
}

// ---- the chart ------------------------------------------------------------------

const COLORS = { minio: '#c2410c', s3: '#1d4ed8', grid: '#d1d5db', text: '#111827', muted: '#6b7280', band: '#dcfce7' };

export function renderSvg(r: BenchResults): string {
  const width = 940;
  const parts: string[] = [];
  let y = 0;
  const text = (tx: number, ty: number, s: string, attrs = '') =>
    parts.push(`<text x="${tx}" y="${ty}" ${attrs}>${escapeXml(s)}</text>`);

  y += 28;
  text(20, y, 'stowage against the raw SDKs and its peers', 'font-size="18" font-weight="bold"');
  y += 18;
  text(
    20,
    y,
    `${r.machine.cpu}, ${r.machine.cores} cores · Node ${r.machine.node} · MinIO ${r.machine.minio.split(' ')[0]} on ${r.machine.minioData ?? '?'} · ${r.startedAt.slice(0, 10)}${r.quick ? ' · QUICK RUN' : ''}`,
    `font-size="12" fill="${COLORS.muted}"`,
  );

  // Panel 1: stowage ÷ raw SDK.
  const rows: Array<{ name: string; minio?: number; s3?: number }> = [];
  for (const concurrency of [1, 16]) {
    for (const phase of PHASES) {
      const get = (pair: (typeof PAIRS)[number]) => {
        const a = small(r, pair.driver, concurrency);
        const b = small(r, pair.raw, concurrency);
        return a && b ? a.opsPerSecond[phase] / b.opsPerSecond[phase] : undefined;
      };
      rows.push({ name: `${PHASE_LABEL[phase]}, c=${concurrency}`, minio: get(PAIRS[0]), s3: get(PAIRS[1]) });
    }
  }
  const limitRowsChart: typeof rows = [];
  for (const direction of LARGE_DIRECTIONS) {
    const get = (pair: (typeof PAIRS)[number], base: Id) => {
      const a = large(r, pair.driver, direction);
      const b = large(r, base, direction);
      return a && b && a.bytes === b.bytes ? a.mbPerSecond / b.mbPerSecond : undefined;
    };
    const name = `large ${direction}`;
    if (r.large.some((l) => l.direction === direction)) {
      rows.push({ name, minio: get(PAIRS[0], PAIRS[0].raw), s3: get(PAIRS[1], PAIRS[1].raw) });
      limitRowsChart.push({ name, minio: get(PAIRS[0], LIMIT), s3: get(PAIRS[1], LIMIT) });
    }
  }
  y += 34;
  text(
    20,
    y,
    'stowage ÷ the raw SDK doing the same work (1.00 = no cost; targets: ≥ 0.95 small, ≥ 0.90 large)',
    'font-size="14" font-weight="bold"',
  );
  y += 10;
  const ratioAxis = (floor: number): Axis => ({
    min: 0,
    max: 1.3,
    ticks: [0, 0.5, 0.9, 1, 1.3],
    marks: [1],
    band: [floor, 1.3],
    labelWidth: 150,
    width,
  });
  y = bars(parts, y, rows, ratioAxis(TARGETS.smallRatio));
  y += 6;
  legend(parts, y, [
    ['stowage MinIO driver ÷ minio-js', COLORS.minio],
    ['stowage S3 driver ÷ @aws-sdk/client-s3', COLORS.s3],
  ]);

  // Panel 1b: stowage ÷ curl, the machine's limit.
  if (limitRowsChart.some((row) => row.minio !== undefined || row.s3 !== undefined)) {
    y += 40;
    text(
      20,
      y,
      "large objects: stowage ÷ curl, the machine's limit (target ≥ 0.90)",
      'font-size="14" font-weight="bold"',
    );
    y += 10;
    y = bars(parts, y, limitRowsChart, ratioAxis(TARGETS.limitRatio));
  }

  // Panel 2: stowage ÷ each peer (geometric mean over the small-object cells, whiskers min..max).
  const peerRows = PEERS.map(({ peer, driver }) => {
    const ratios = peerRatios(r, driver, peer).map((q) => q.ratio);
    return ratios.length
      ? {
          name: `vs ${label(r, peer)}`,
          mean: geomean(ratios),
          low: Math.min(...ratios),
          high: Math.max(...ratios),
          driver,
        }
      : undefined;
  }).filter((row) => row !== undefined);
  if (peerRows.length) {
    y += 40;
    text(
      20,
      y,
      'stowage ÷ each peer, small objects on the same SDK (> 1 = stowage faster; whisker: range)',
      'font-size="14" font-weight="bold"',
    );
    y += 10;
    y = whiskerBars(parts, y, peerRows, width);
  }

  // Panel 3: peak RSS growth for the large stream.
  const memoryRows = r.large
    .filter((l) => l.direction === 'save' || l.direction === 'read')
    .filter((l) => kind(r, l.contender) !== 'limit')
    .map((l) => ({
      name: `${label(r, l.contender)} ${l.direction}${l.bytes !== r.large[0]?.bytes ? ` (${mib(l.bytes)})` : ''}`,
      value: l.rssGrowthMiB,
      id: l.contender,
    }));
  if (memoryRows.length) {
    y += 40;
    text(
      20,
      y,
      `Peak RSS growth while streaming ${mib(r.large[0]?.bytes ?? 0)}, MiB (target for stowage ≤ ${TARGETS.rssMiB})`,
      'font-size="14" font-weight="bold"',
    );
    y += 10;
    y = memoryBars(parts, y, memoryRows, width);
  }
  y += 20;
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" fill="${COLORS.text}">`,
    `<title>${escapeXml(`stowage benchmarks, ${r.startedAt.slice(0, 10)}: throughput of stowage ÷ the raw SDKs, ÷ its peers, and peak memory while streaming`)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

interface Axis {
  min: number;
  max: number;
  ticks: number[];
  marks: number[];
  band: [number, number];
  labelWidth: number;
  width: number;
}

function bars(
  parts: string[],
  top: number,
  rows: Array<{ name: string; minio?: number; s3?: number }>,
  axis: Axis,
): number {
  const left = 20 + axis.labelWidth;
  const right = axis.width - 70;
  const scale = (v: number) => left + ((Math.min(v, axis.max) - axis.min) / (axis.max - axis.min)) * (right - left);
  const rowHeight = 24;
  const height = rows.length * rowHeight + 8;
  parts.push(
    `<rect x="${scale(axis.band[0])}" y="${top}" width="${scale(axis.band[1]) - scale(axis.band[0])}" height="${height}" fill="${COLORS.band}"/>`,
  );
  for (const tick of axis.ticks) {
    parts.push(
      `<line x1="${scale(tick)}" y1="${top}" x2="${scale(tick)}" y2="${top + height}" stroke="${COLORS.grid}"/>`,
    );
    parts.push(
      `<text x="${scale(tick)}" y="${top + height + 14}" font-size="11" text-anchor="middle" fill="${COLORS.muted}">${tick.toFixed(2)}</text>`,
    );
  }
  for (const mark of axis.marks) {
    parts.push(
      `<line x1="${scale(mark)}" y1="${top}" x2="${scale(mark)}" y2="${top + height}" stroke="${COLORS.text}" stroke-width="1.5"/>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + 6 + i * rowHeight;
    parts.push(`<text x="${left - 8}" y="${y + 14}" font-size="12" text-anchor="end">${escapeXml(row.name)}</text>`);
    (['minio', 's3'] as const).forEach((key, j) => {
      const value = row[key];
      if (value === undefined) return;
      const by = y + j * 10;
      parts.push(
        `<rect x="${left}" y="${by}" width="${Math.max(1, scale(value) - left)}" height="9" fill="${COLORS[key]}"/>`,
      );
      const over = value > axis.max ? '▸' : '';
      parts.push(
        `<text x="${scale(value) + 4}" y="${by + 8}" font-size="10" fill="${COLORS[key]}">${value.toFixed(2)}${over}</text>`,
      );
    });
  });
  return top + height + 18;
}

function whiskerBars(
  parts: string[],
  top: number,
  rows: Array<{ name: string; mean: number; low: number; high: number; driver: Id }>,
  width: number,
): number {
  // Logarithmic: ratios from 0.25 to 16.
  const left = 230;
  const right = width - 70;
  const lo = Math.log2(0.25);
  const hi = Math.log2(16);
  const scale = (v: number) => left + ((Math.log2(Math.min(Math.max(v, 0.25), 16)) - lo) / (hi - lo)) * (right - left);
  const rowHeight = 26;
  const height = rows.length * rowHeight + 8;
  parts.push(`<rect x="${scale(1)}" y="${top}" width="${right - scale(1)}" height="${height}" fill="${COLORS.band}"/>`);
  for (const tick of [0.25, 0.5, 1, 2, 4, 8, 16]) {
    parts.push(
      `<line x1="${scale(tick)}" y1="${top}" x2="${scale(tick)}" y2="${top + height}" stroke="${tick === 1 ? COLORS.text : COLORS.grid}" stroke-width="${tick === 1 ? 1.5 : 1}"/>`,
    );
    parts.push(
      `<text x="${scale(tick)}" y="${top + height + 14}" font-size="11" text-anchor="middle" fill="${COLORS.muted}">${tick}×</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + 6 + i * rowHeight;
    const color = row.driver === 'stowage-minio' ? COLORS.minio : COLORS.s3;
    parts.push(`<text x="${left - 8}" y="${y + 13}" font-size="12" text-anchor="end">${escapeXml(row.name)}</text>`);
    const x0 = Math.min(scale(1), scale(row.mean));
    parts.push(
      `<rect x="${x0}" y="${y + 2}" width="${Math.max(1, Math.abs(scale(row.mean) - scale(1)))}" height="12" fill="${color}"/>`,
    );
    parts.push(
      `<line x1="${scale(row.low)}" y1="${y + 8}" x2="${scale(row.high)}" y2="${y + 8}" stroke="${COLORS.text}"/>`,
    );
    parts.push(
      `<line x1="${scale(row.low)}" y1="${y + 3}" x2="${scale(row.low)}" y2="${y + 13}" stroke="${COLORS.text}"/>`,
    );
    parts.push(
      `<line x1="${scale(row.high)}" y1="${y + 3}" x2="${scale(row.high)}" y2="${y + 13}" stroke="${COLORS.text}"/>`,
    );
    parts.push(
      `<text x="${scale(Math.max(row.high, row.mean)) + 6}" y="${y + 12}" font-size="11">${row.mean.toFixed(2)}× (${row.low.toFixed(2)}–${row.high.toFixed(2)})</text>`,
    );
  });
  return top + height + 18;
}

function memoryBars(
  parts: string[],
  top: number,
  rows: Array<{ name: string; value: number; id: Id }>,
  width: number,
): number {
  const left = 290;
  const right = width - 90;
  const max = 400;
  const scale = (v: number) => left + (Math.min(Math.max(v, 0), max) / max) * (right - left);
  const rowHeight = 17;
  const height = rows.length * rowHeight + 8;
  parts.push(
    `<rect x="${left}" y="${top}" width="${scale(TARGETS.rssMiB) - left}" height="${height}" fill="${COLORS.band}"/>`,
  );
  for (const tick of [0, 64, 100, 200, 300, 400]) {
    parts.push(
      `<line x1="${scale(tick)}" y1="${top}" x2="${scale(tick)}" y2="${top + height}" stroke="${tick === 64 ? COLORS.text : COLORS.grid}"/>`,
    );
    parts.push(
      `<text x="${scale(tick)}" y="${top + height + 14}" font-size="11" text-anchor="middle" fill="${COLORS.muted}">${tick}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + 6 + i * rowHeight;
    const color = row.id.startsWith('stowage') ? (row.id === 'stowage-minio' ? COLORS.minio : COLORS.s3) : '#9ca3af';
    parts.push(`<text x="${left - 8}" y="${y + 10}" font-size="11" text-anchor="end">${escapeXml(row.name)}</text>`);
    parts.push(
      `<rect x="${left}" y="${y + 1}" width="${Math.max(1, scale(row.value) - left)}" height="10" fill="${color}"/>`,
    );
    parts.push(
      `<text x="${scale(row.value) + 4}" y="${y + 10}" font-size="10">${row.value.toFixed(0)}${row.value > max ? ' ▸' : ''}</text>`,
    );
  });
  return top + height + 18;
}

function legend(parts: string[], y: number, items: Array<[string, string]>): void {
  let x = 170;
  for (const [name, color] of items) {
    parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${color}"/>`);
    parts.push(`<text x="${x + 18}" y="${y + 10}" font-size="12">${escapeXml(name)}</text>`);
    x += 40 + name.length * 6.5;
  }
}

// ---- lookups ----------------------------------------------------------------------

function small(r: BenchResults, id: Id, concurrency: number): SmallResult | undefined {
  return r.small.find((s) => s.contender === id && s.concurrency === concurrency);
}

function large(r: BenchResults, id: Id, direction: LargeDirection): LargeResult | undefined {
  return r.large.find((l) => l.contender === id && l.direction === direction);
}

function smallRatios(r: BenchResults, a: Id, b: Id): Array<{ ratio: number; phase: Phase; concurrency: number }> {
  const out: Array<{ ratio: number; phase: Phase; concurrency: number }> = [];
  for (const sa of r.small.filter((s) => s.contender === a)) {
    const sb = small(r, b, sa.concurrency);
    if (!sb) continue;
    for (const phase of PHASES)
      out.push({ ratio: sa.opsPerSecond[phase] / sb.opsPerSecond[phase], phase, concurrency: sa.concurrency });
  }
  return out;
}

interface CpuRatio {
  /** The median over the blocks of `a`'s CPU per operation ÷ `b`'s in the same block. */
  ratio: number;
  /** Its 95 % bootstrap interval; absent for a run without per-block figures (the ratio of the medians then). */
  low?: number;
  high?: number;
  phase: Phase;
  concurrency: number;
}

/**
 * Client CPU per operation of `a` ÷ `b`, for each phase and concurrency both ran, block by
 * block: in every block the two ran next to each other, so what drifts over the run (the
 * server's background work, the other core's load) touches both, and the interval says how
 * far this run can tell them apart.
 */
function cpuRatios(r: BenchResults, a: Id, b: Id): CpuRatio[] {
  return r.small
    .filter((s) => s.contender === a && s.cpuMicrosPerOp)
    .flatMap((s) => {
      const base = small(r, b, s.concurrency);
      return base?.cpuMicrosPerOp
        ? PHASES.map((phase) => ({ phase, concurrency: s.concurrency, ...pairedCpu(s, base, phase) }))
        : [];
    });
}

function pairedCpu(own: SmallResult, base: SmallResult, phase: Phase): Pick<CpuRatio, 'ratio' | 'low' | 'high'> {
  const a = own.cpuMicrosPerBlock?.[phase];
  const b = base.cpuMicrosPerBlock?.[phase];
  if (!a || !b || a.length !== b.length || a.length < 2) {
    return {
      ratio:
        (own.cpuMicrosPerOp as Record<Phase, number>)[phase] / (base.cpuMicrosPerOp as Record<Phase, number>)[phase],
    };
  }
  const ratios = a.map((value, i) => value / (b[i] as number));
  return { ratio: median(ratios), ...medianInterval(ratios) };
}

/** Resamples for `medianInterval`. */
const BOOTSTRAP_RESAMPLES = 2000;

/**
 * The 95 % percentile-bootstrap interval of the median of `values`. The generator is
 * seeded (Park–Miller), so the report of one run is the same every time it is drawn.
 */
function medianInterval(values: readonly number[]): { low: number; high: number } {
  let seed = 1;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const medians = Array.from({ length: BOOTSTRAP_RESAMPLES }, () =>
    median(values.map(() => values[Math.floor(random() * values.length)] as number)),
  ).sort((p, q) => p - q);
  return {
    low: medians[Math.floor(BOOTSTRAP_RESAMPLES * 0.025)] as number,
    high: medians[Math.ceil(BOOTSTRAP_RESAMPLES * 0.975) - 1] as number,
  };
}

/** A ratio with its interval, when there is one: `1.03× (0.98–1.07)`. */
function withInterval(q: Pick<CpuRatio, 'ratio' | 'low' | 'high'>): string {
  return q.low === undefined || q.high === undefined
    ? x(q.ratio)
    : `${x(q.ratio)} (${q.low.toFixed(2)}–${q.high.toFixed(2)})`;
}

/** The A/A control's range (the raw SDK ÷ itself), for a target row; '' when the run had none. */
function spread(ratios: ReadonlyArray<Pick<CpuRatio, 'ratio' | 'low' | 'high'>>): string {
  if (ratios.length === 0) return '';
  const values = ratios.map((q) => q.ratio);
  const intervals = ratios.filter((q) => q.low !== undefined && q.high !== undefined);
  const holding = intervals.filter((q) => (q.low as number) <= 1 && (q.high as number) >= 1).length;
  const calibration = intervals.length ? `, its interval holding 1.00× in ${holding} of ${intervals.length}` : '';
  return `; A/A (raw ÷ raw) ${x(Math.min(...values))} to ${x(Math.max(...values))}${calibration}`;
}

function peerRatios(r: BenchResults, driver: Id, peer: Id) {
  return smallRatios(r, driver, peer);
}

/** The raw SDK a row is built on (stowage drivers and peers alike); undefined for Python. */
function rawFor(r: BenchResults, id: Id): Id | undefined {
  const contender = r.contenders.find((c) => c.id === id);
  if (!contender || contender.sdk === 'none') return undefined;
  return contender.sdk === 'minio-js' ? 'raw-minio' : 'raw-s3';
}

function label(r: BenchResults, id: Id | string): string {
  if (id === 'django-minio-backend') return 'django-minio-backend 4.4.4';
  return r.contenders.find((c) => c.id === id)?.label ?? id;
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

function x(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

function met(ok: boolean): string {
  return ok ? 'yes' : '**no**';
}

function mib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / 1024 ** 2} MiB`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function geomean(values: number[]): number {
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

if (process.argv[1] === import.meta.filename) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node --import tsx bench/report.ts bench/results/<run>.json [--docs]');
    process.exit(2);
  }
  const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  const written = writeReport(results, file, {
    docs: process.argv.includes('--docs'),
    chart: file.replace(/\.json$/, '.svg'),
  });
  console.log(renderMarkdown(results, relative(ROOT, file)));
  console.error(`wrote ${written.join(', ')}`);
}
