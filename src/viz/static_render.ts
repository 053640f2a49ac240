/**
 * Static images of Plotly figures, for viewers that run no scripts (an untrusted notebook, GitHub,
 * nbconvert HTML): plotly.js itself renders the figure to PNG in headless Chromium (Debian's
 * `chromium`, driven by playwright-core; nothing is downloaded). The browser runs in a worker
 * thread and is kept for the process; callers block on an Atomics wait, so `render` is synchronous
 * and plotting stays one plain call in a notebook cell. Without Chromium it returns undefined and
 * says why once.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'worker_threads';
import { killProcessesUnder, stopBeforeRemoval, temporaryDir } from '../data/temporary';

export interface StaticRenderOptions {
  /** CSS pixels */
  width: number;
  height: number;
  /** device pixels per CSS pixel (default 2: sharp on high-DPI screens) */
  scale?: number;
}

/** device pixels per CSS pixel of every static picture */
export const STATIC_SCALE = 2;

const CHROMIUM = process.env.KTG_CHROMIUM ?? '/usr/bin/chromium';
/** Chromium's start-up flags for a closed network (see the workplace notes): no background traffic */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** the trace types of plotly.js's cartesian bundle (its package README): every type ktg draws */
export const CARTESIAN_TRACE_TYPES = [
  'bar',
  'box',
  'contour',
  'heatmap',
  'histogram',
  'histogram2d',
  'histogram2dcontour',
  'image',
  'pie',
  'scatter',
  'scatterternary',
  'violin',
];

/**
 * The plotly.js bundle the static renderer's page starts with: the cartesian one (1.4 MB; parsing
 * the full 4.6 MB bundle in a fresh page was most of the first figure's wait), or the full one with
 * KTG_PLOTLY_BUNDLE=full (e.g. to compare the two in bench/first_figure.py).
 */
export function staticPlotlyBundle(): string {
  const choice = process.env.KTG_PLOTLY_BUNDLE ?? 'cartesian';
  if (choice === 'full') return require.resolve('plotly.js-dist-min');
  if (choice === 'cartesian') return require.resolve('plotly.js-cartesian-dist-min');
  throw new Error(`KTG_PLOTLY_BUNDLE=${choice}: expected "cartesian" (the default) or "full"`);
}

// the worker's code: a Chromium page with plotly.js, answering one request at a time
const workerSource = `
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const { parentPort, workerData } = require('worker_threads');
const { chromium } = require(workerData.playwright);
// one page, started once: the warm-up and a request arriving while it starts wait for the same launch
let pageReady;
// the page starts with the cartesian bundle (parsed ~3x faster than the full one); a figure with
// another trace type loads the full bundle into the page once, which replaces window.Plotly
let fullReady;
function ready() {
  pageReady ??= (async () => {
    // (not a persistent context: Chromium, still writing to a profile of ours, raced the removal of
    // this process's temporary folder at exit; playwright removes its own profile after killing it)
    const browser = await chromium.launch({ executablePath: workerData.chromium, args: workerData.args });
    const page = await browser.newPage();
    // a page file that loads the bundle from disk: faster than injecting it through the driver
    const html = path.join(workerData.pageDir, 'plotly.html');
    // UTF-8 said twice: a file page has no HTTP header, and plotly.js's minus sign (U+2212) in tick labels comes from the bundle's source
    fs.writeFileSync(html, '<!doctype html><html><head><meta charset="utf-8"></head><body><script charset="utf-8" src="' + pathToFileURL(workerData.bundle).href + '"></script></body></html>');
    await page.goto(pathToFileURL(html).href);
    return page;
  })().catch((err) => {
    // a launch that failed is tried again by the next request
    pageReady = undefined;
    throw err;
  });
  return pageReady;
}
function readyFor(figure) {
  if (workerData.bundle === workerData.fullBundle || figure.data.every((trace) => workerData.cartesianTypes.includes((trace && trace.type) || 'scatter'))) return ready();
  fullReady ??= ready()
    .then(async (p) => {
      await p.addScriptTag({ url: pathToFileURL(workerData.fullBundle).href });
      return p;
    })
    .catch((err) => {
      // like a failed launch: the next figure that needs the full bundle tries again
      fullReady = undefined;
      throw err;
    });
  return fullReady;
}
parentPort.on('message', async ({ figure, options, svg, scale, warm, reply }) => {
  // warming up: start the browser, load plotly.js and draw one small figure (its code paths compiled)
  if (warm)
    return void ready()
      .then((p) => p.evaluate(() => window.Plotly.toImage({ data: [{ type: 'scatter', x: [0, 1], y: [0, 1] }], layout: { title: 'warm-up' } }, { format: 'png', width: 200, height: 150, scale: 2 })))
      .catch(() => undefined);
  try {
    if (svg !== undefined) {
      const p = await ready();
      // an SVG drawn onto a canvas at \`scale\` device pixels per CSS pixel
      const out = await p.evaluate(({ svg, scale }) => new Promise((resolve, reject) => {
        const img = new Image();
        img.onload = () => {
          const width = img.naturalWidth, height = img.naturalHeight;
          const canvas = document.createElement('canvas');
          canvas.width = Math.ceil(width * scale);
          canvas.height = Math.ceil(height * scale);
          const ctx = canvas.getContext('2d');
          ctx.fillStyle = '#ffffff';
          ctx.fillRect(0, 0, canvas.width, canvas.height);
          ctx.scale(scale, scale);
          ctx.drawImage(img, 0, 0, width, height);
          resolve({ url: canvas.toDataURL('image/png'), width, height });
        };
        img.onerror = () => reject(new Error('the SVG could not be drawn'));
        img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
      }), { svg, scale });
      reply.postMessage({ ok: out });
      return;
    }
    const url = await (await readyFor(figure)).evaluate(({ figure, options }) => {
      return window.Plotly.toImage({ data: figure.data, layout: figure.layout }, { format: 'png', width: options.width, height: options.height, scale: options.scale });
    }, { figure, options });
    reply.postMessage({ ok: url });
  } catch (err) {
    reply.postMessage({ error: String((err && err.message) || err).split('\\n')[0] });
  }
});
`;

interface Renderer {
  worker: Worker;
}

let renderer: Renderer | undefined;
let unavailable: string | undefined;
let warned = false;

function why(): string | undefined {
  if (unavailable) return unavailable;
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set KTG_CHROMIUM)`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed';
  }
  return undefined;
}

function start(): Renderer {
  const scratch = temporaryDir('chromium');
  stopBeforeRemoval(() => killProcessesUnder(scratch));
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: {
      pageDir: scratch,
      playwright: require.resolve('playwright-core'),
      chromium: CHROMIUM,
      args: CHROMIUM_ARGS,
      bundle: staticPlotlyBundle(),
      fullBundle: require.resolve('plotly.js-dist-min'),
      cartesianTypes: CARTESIAN_TRACE_TYPES,
    },
    // playwright puts Chromium's profile under the temp folder: this process's own, removed when it exits
    env: { ...process.env, TMPDIR: scratch },
  });
  worker.unref();
  return { worker };
}

/** one request to the Chromium worker, answered synchronously; undefined (reason printed) when none can be made */
function request<T>(message: Record<string, unknown>, what: string, timeoutMs: number): T | undefined {
  const reason = why();
  if (reason) {
    if (!warned) console.warn(`[ktg] figures get no static image: ${reason}`);
    warned = true;
    return undefined;
  }
  renderer ??= start();
  const { worker } = renderer;
  // the reply comes on a port of its own, polled synchronously: this thread's event loop is blocked
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ ...message, reply: port1 }, [port1]);
  let reply: { ok?: T; error?: string } | undefined;
  const deadline = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (reply == null && Date.now() < deadline) {
    const got = receiveMessageOnPort(port2);
    if (got) reply = got.message as typeof reply;
    else Atomics.wait(sleeper, 0, 0, 10);
  }
  port2.close();
  if (reply == null) {
    // a browser that does not answer is given up for the process
    unavailable = `Chromium did not answer within ${timeoutMs / 1000} s`;
    console.warn(`[ktg] figures get no static image: ${unavailable}`);
    warned = true;
    void worker.terminate();
    renderer = undefined;
    return undefined;
  }
  if (reply.error) {
    // this one only (e.g. a layout plotly.js rejects); the next one is tried again
    console.warn(`[ktg] no static image for this ${what}: ${reply.error}`);
    return undefined;
  }
  return reply.ok;
}

/**
 * The figure as a PNG data URL at `scale` (default 2) device pixels per CSS pixel, or undefined when
 * no static image can be made here (the reason is printed once).
 * Blocks until the image is ready (the first call also starts Chromium, ~1 s).
 */
export function renderStaticPng(
  figure: { data: unknown[]; layout?: Record<string, unknown> },
  options: StaticRenderOptions,
  timeoutMs = 60_000,
): string | undefined {
  return request<string>({ figure: { data: figure.data, layout: figure.layout ?? {} }, options: { scale: STATIC_SCALE, ...options } }, 'figure', timeoutMs);
}

/**
 * An SVG (e.g. a Graphviz diagram) as a PNG data URL with `scale` device pixels per CSS pixel, and
 * its CSS size; undefined when no image can be made here. Synchronous, like renderStaticPng.
 */
export function renderSvgPng(svg: string, scale = STATIC_SCALE, timeoutMs = 60_000): { url: string; width: number; height: number } | undefined {
  return request<{ url: string; width: number; height: number }>({ svg, scale }, 'diagram', timeoutMs);
}

/**
 * Starts Chromium in the background (without waiting), so that the first figure of a notebook costs
 * what later ones do instead of the browser's start-up. Done once when this module is loaded in a
 * tslab kernel: as ktg's kernel starts (scripts/kernel_preload.js), or when a cell imports ktg.
 */
export function warmUpStaticRenderer(): void {
  if (renderer || why()) return;
  renderer = start();
  renderer.worker.postMessage({ warm: true });
}

/** true in a tslab kernel process (notebooks), false in scripts, workers and the CLI */
export function inNotebookKernel(): boolean {
  return /[\\/]tslab[\\/]bin[\\/]tslab$/.test(process.argv[1] ?? '') && process.argv.includes('kernel');
}

if (inNotebookKernel()) warmUpStaticRenderer();

/** where the figure loader expects plotly.js next to the notebooks (copied there by setup) */
export function vendorPlotlyFile(notebooksDir: string): string {
  const version = (require('plotly.js-dist-min/package.json') as { version: string }).version;
  return path.join(notebooksDir, 'vendor', `plotly-${version}.min.js`);
}
