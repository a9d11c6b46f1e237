/**
 * npm run monitoring:picture [-- --seconds=40 --out=docs/monitoring-dashboard.png]
 *
 * Runs the service (in-process, local engines) under a short mixed workload — uploads, colour
 * analyses, metadata reads, bad requests, transcriptions queued one at a time — scrapes
 * GET /metrics every second, and draws the main panels of monitoring/grafana-dashboard.json from
 * those scrapes (rates and quantiles computed here as Prometheus would) as SVG, then PNG (sharp).
 * The README's picture is made by this script.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { Exposition, parsePrometheusText } from '../test/support/prometheus';
import { createTestApp, TestApp } from '../test/support/test-app';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const SECONDS = Number(args.seconds ?? 40);
const OUT = resolve(args.out ?? 'docs/monitoring-dashboard.png');
const P = 'media_service_';
const ROOT = resolve(__dirname, '..');

interface Scrape {
  at: number;
  m: Exposition;
}
type Series = { name: string; points: [number, number][] };

async function workload(http: TestApp['http'], stopAt: number): Promise<void> {
  const photo = readFileSync(join(ROOT, 'test/fixtures/images/cat.jpg'));
  const wavs = ['cart', 'jacket', 'keyboard', 'monitor', 'running-shoes', 'leather-boots'].map((n) =>
    readFileSync(join(ROOT, `test/fixtures/audio/${n}.wav`)),
  );
  let i = 0;
  const lanes = [
    async () => {
      while (Date.now() < stopAt) {
        const up = await http.post('/api/v1/upload').attach('file', photo, 'cat.jpg');
        await http.get(`/api/v1/media/${up.body.media_id}`);
        await http.post('/api/v1/analyze-image').field('analysis_types', 'colors').attach('file', photo, 'cat.jpg');
        if (i++ % 3 === 0) await http.post('/api/v1/upload').attach('file', Buffer.from('not media'), 'x.bin');
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    async () => {
      let n = 0;
      while (Date.now() < stopAt - 8_000) {
        // A new file each time (one byte changed) so the cache does not answer.
        const wav = Buffer.from(wavs[n % wavs.length]);
        wav[wav.length - 1] = n & 0xff;
        await http.post('/api/v1/transcribe').attach('file', wav, `speech-${n++}.wav`);
        await new Promise((r) => setTimeout(r, 1_500));
      }
    },
  ];
  await Promise.all(lanes.map((lane) => lane()));
}

function rate(scrapes: Scrape[], value: (m: Exposition) => number, scale = 1, window = 5): [number, number][] {
  const out: [number, number][] = [];
  for (let i = window; i < scrapes.length; i++) {
    const a = scrapes[i - window];
    const b = scrapes[i];
    out.push([b.at, ((value(b.m) - value(a.m)) / ((b.at - a.at) / 1000)) * scale]);
  }
  return out;
}

/** histogram_quantile over the increase of the buckets in the window, as PromQL does it. */
function quantile(scrapes: Scrape[], name: string, match: Record<string, string>, q: number, window = 5) {
  const out: [number, number][] = [];
  for (let i = window; i < scrapes.length; i++) {
    const buckets = new Map<number, number>();
    for (const [scrape, sign] of [
      [scrapes[i], 1],
      [scrapes[i - window], -1],
    ] as const) {
      for (const s of scrape.m.series(`${name}_bucket`)) {
        if (!Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
        const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
        buckets.set(le, (buckets.get(le) ?? 0) + sign * s.value);
      }
    }
    const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
    const total = sorted.at(-1)?.[1] ?? 0;
    if (total <= 0) continue;
    const rank = q * total;
    let prevLe = 0;
    let prevCount = 0;
    for (const [le, count] of sorted) {
      if (count >= rank) {
        const upper = Number.isFinite(le) ? le : prevLe;
        out.push([scrapes[i].at, prevLe + ((upper - prevLe) * (rank - prevCount)) / Math.max(count - prevCount, 1e-9)]);
        break;
      }
      prevLe = le;
      prevCount = count;
    }
  }
  return out;
}

const COLORS = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9', '#705da0'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function panel(
  title: string,
  series: Series[],
  unit: (v: number) => string,
  x: number,
  y: number,
  w: number,
  h: number,
) {
  const pad = { l: 62, r: 12, t: 30, b: 22 + 16 * Math.ceil(series.length / 2) };
  const all = series.flatMap((s) => s.points);
  const t0 = Math.min(...all.map((p) => p[0]));
  const t1 = Math.max(...all.map((p) => p[0]));
  const vmax = Math.max(1e-12, ...all.map((p) => p[1])) * 1.1;
  const px = (t: number) => x + pad.l + ((t - t0) / Math.max(1, t1 - t0)) * (w - pad.l - pad.r);
  const py = (v: number) => y + h - pad.b - (v / vmax) * (h - pad.t - pad.b);
  let svg = `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#181b1f" stroke="#2c3235"/>`;
  svg += `<text x="${x + 10}" y="${y + 19}" fill="#d8d9da" font-size="14" font-weight="bold">${esc(title)}</text>`;
  for (let g = 0; g <= 4; g++) {
    const v = (vmax / 4) * g;
    svg += `<line x1="${x + pad.l}" x2="${x + w - pad.r}" y1="${py(v)}" y2="${py(v)}" stroke="#2c3235"/>`;
    svg += `<text x="${x + pad.l - 6}" y="${py(v) + 4}" fill="#8e8e8e" font-size="10" text-anchor="end">${unit(v)}</text>`;
  }
  const secondsSpan = Math.round((t1 - t0) / 1000);
  svg += `<text x="${x + w - pad.r}" y="${y + h - pad.b + 13}" fill="#8e8e8e" font-size="10" text-anchor="end">last ${secondsSpan} s</text>`;
  series.forEach((s, k) => {
    if (!s.points.length) return;
    const color = COLORS[k % COLORS.length];
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join('');
    svg += `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`;
    const lx = x + 12 + (k % 2) * (w / 2);
    const ly = y + h - pad.b + 30 + Math.floor(k / 2) * 16;
    svg += `<rect x="${lx}" y="${ly - 8}" width="10" height="3" fill="${color}"/>`;
    svg += `<text x="${lx + 15}" y="${ly - 3}" fill="#c7d0d9" font-size="11">${esc(s.name)}</text>`;
  });
  return svg;
}

async function main(): Promise<void> {
  const t = await createTestApp({
    env: {
      TRANSCRIBE_PROVIDER: 'local',
      TRANSCRIBE_CONCURRENCY: '1',
      IMAGE_ANALYSIS_PRELOAD: 'false',
      RATE_LIMIT_PER_MINUTE: '0',
    },
  });
  const scrapes: Scrape[] = [];
  const stopAt = Date.now() + SECONDS * 1000;
  const scraper = (async () => {
    while (Date.now() < stopAt) {
      const res = await t.http.get('/metrics');
      scrapes.push({ at: Date.now(), m: parsePrometheusText(res.text) });
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  await Promise.all([workload(t.http, stopAt), scraper]);
  await t.close();

  const last = scrapes.at(-1)!.m;
  const routes = [...new Set(last.series(`${P}http_request_duration_seconds_count`).map((s) => s.labels.route))]
    .filter((r) => r !== '/metrics')
    .slice(0, 6);
  const reqs = routes.map((route) => ({
    name: route,
    points: rate(scrapes, (m) => m.value(`${P}http_request_duration_seconds_count`, { route })),
  }));
  const latency = ['/api/v1/upload', '/api/v1/analyze-image', '/api/v1/media/:media_id'].map((route) => ({
    name: `p95 ${route}`,
    points: quantile(scrapes, `${P}http_request_duration_seconds`, { route }, 0.95),
  }));
  const ops = [
    ...new Set(last.series(`${P}operations_total`).map((s) => `${s.labels.operation}|${s.labels.outcome}`)),
  ].map((key) => {
    const [operation, outcome] = key.split('|');
    return {
      name: `${operation} ${outcome}`,
      points: rate(scrapes, (m) => m.value(`${P}operations_total`, { operation, outcome })),
    };
  });
  const queue = ['queued', 'running'].map((state) => ({
    name: `transcription ${state}`,
    points: scrapes.map(
      (s) => [s.at, s.m.value(`${P}queue_jobs`, { queue: 'transcription', state })] as [number, number],
    ),
  }));
  const cost = [
    { name: 'billed (all services)', points: rate(scrapes, (m) => m.value(`${P}aws_cost_usd_total`), 3600, 10) },
    {
      name: 'avoided: transcribe',
      points: rate(scrapes, (m) => m.value(`${P}aws_cost_avoided_usd_total`, { service: 'transcribe' }), 3600, 10),
    },
  ];
  const W = 1200;
  const H = 780;
  const cw = (W - 30) / 2;
  let body = `<rect width="${W}" height="${H}" fill="#111217"/>`;
  body += `<text x="12" y="24" fill="#d8d9da" font-size="18" font-weight="bold">media-service — ${SECONDS} s benchmark run, scraped every second</text>`;
  body += panel('Requests per second by route', reqs, (v) => v.toFixed(1), 10, 36, cw, 240);
  body += panel('Latency p95 by route', latency, (v) => `${(v * 1000).toFixed(0)} ms`, 20 + cw, 36, cw, 240);
  body += panel('Operations per second by outcome', ops, (v) => v.toFixed(1), 10, 286, cw, 250);
  body += panel('Queue depth', queue, (v) => v.toFixed(1), 20 + cw, 286, cw, 250);
  body += panel('AWS cost per hour (USD)', cost, (v) => `$${v.toFixed(3)}`, 10, 546, W - 20, 224);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif">${body}</svg>`;
  mkdirSync(dirname(OUT), { recursive: true });
  await sharp(Buffer.from(svg)).png({ palette: true, colours: 64, compressionLevel: 9 }).toFile(OUT);
  process.stdout.write(`${OUT}: ${scrapes.length} scrapes\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
