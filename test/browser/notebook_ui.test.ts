/**
 * Figures as a person sees them: Debian's Jupyter Notebook 6 on 127.0.0.1 and headless Chromium
 * (playwright-core). 00_setup is run from the UI, the page reloaded, a second tab opened and the plot
 * cell re-run — the Plotly figure must be drawn (an SVG with traces) every time. Then a committed
 * notebook is rendered by nbconvert and opened with JavaScript disabled: every figure must show an
 * image. Needs `npm run build` and `npm run setup:system` (npm test runs both first).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Browser, chromium, Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../src/viz/static_render';
import { temporaryDir } from '../../src/data/temporary';

const root = path.resolve(__dirname, '..', '..');
const python = '/usr/bin/python3';
const copy = path.join(root, 'notebooks', '_browser_test_00_setup.ipynb');
let server: ChildProcess;
let base: string;
let browser: Browser;
const home = temporaryDir('jupyter');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(root, '.jupyter-runtime'),
    // trust database, runtime files and config of this test only
    JUPYTER_DATA_DIR: path.join(home, 'data'),
    JUPYTER_CONFIG_DIR: path.join(home, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
  };
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0 ? ['--allow-root'] : [];
  server = spawn(
    python,
    [
      '-m',
      'notebook',
      '--no-browser',
      '--ip=127.0.0.1',
      `--port=${port}`,
      '--NotebookApp.token=',
      '--NotebookApp.password=',
      `--notebook-dir=${root}`,
      ...asRoot,
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`${base}/api`)
      .then((r) => r.ok)
      .catch(() => false);
    if (up) break;
    if (Date.now() > deadline || server.exitCode != null) throw new Error(`Jupyter Notebook did not start:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  fs.copyFileSync(path.join(root, 'notebooks', '00_setup.ipynb'), copy);
  browser = await chromium.launch({ executablePath: process.env.KTG_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  fs.rmSync(copy, { force: true });
  fs.rmSync(path.join(root, 'notebooks', '.ipynb_checkpoints', '_browser_test_00_setup-checkpoint.ipynb'), { force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

type JupyterWindow = {
  Jupyter: {
    notebook: {
      kernel?: { is_connected(): boolean };
      kernel_busy?: boolean;
      dirty: boolean;
      get_cells(): Array<{ cell_type: string; get_text(): string; input_prompt_number?: number | string | null }>;
      clear_all_output(): void;
      execute_all_cells(): void;
      execute_cells(i: number[]): void;
      save_notebook(): Promise<void>;
    };
  };
};

async function openNotebook(page: Page): Promise<void> {
  await page.goto(`${base}/notebooks/notebooks/${path.basename(copy)}`);
  await page.waitForFunction(
    () => {
      const nb = (window as unknown as Partial<JupyterWindow>).Jupyter?.notebook;
      return nb?.kernel?.is_connected() === true;
    },
    undefined,
    { timeout: 60_000 },
  );
}

/** ids of ktg figures that Plotly has drawn, with traces inside */
async function drawnFigures(page: Page, timeoutMs = 120_000): Promise<string[]> {
  await page.waitForFunction(() => document.querySelectorAll('.ktg-plot svg.main-svg g.trace').length > 0, undefined, { timeout: timeoutMs });
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('.ktg-plot'))
      .filter((d) => d.querySelector('svg.main-svg g.trace'))
      .map((d) => d.id),
  );
}

describe('figures in Jupyter Notebook', () => {
  it('draw after running all cells, after a reload, in a new tab and after re-running the plot cell', async () => {
    const page = await browser.newPage();
    await openNotebook(page);
    await page.evaluate(() => {
      const nb = (window as unknown as JupyterWindow).Jupyter.notebook;
      nb.clear_all_output();
      nb.execute_all_cells();
    });
    // every code cell has run (a number in its prompt) and the kernel is idle
    await page.waitForFunction(
      () => {
        const nb = (window as unknown as JupyterWindow).Jupyter.notebook;
        return (
          nb
            .get_cells()
            .filter((c) => c.cell_type === 'code')
            .every((c) => typeof c.input_prompt_number === 'number') && document.querySelector('#kernel_indicator_icon.kernel_idle_icon') != null
        );
      },
      undefined,
      { timeout: 300_000, polling: 500 },
    );
    const first = await drawnFigures(page);
    assert.equal(first.length, 1, 'the figure was not drawn after running all cells');
    await page.evaluate(() => (window as unknown as JupyterWindow).Jupyter.notebook.save_notebook());
    await page.waitForFunction(() => (window as unknown as JupyterWindow).Jupyter.notebook.dirty === false);

    await page.reload();
    await openNotebook(page);
    assert.deepEqual(await drawnFigures(page), first, 'the figure was not drawn after a reload');

    const tab = await browser.newPage();
    await openNotebook(tab);
    assert.deepEqual(await drawnFigures(tab), first, 'the figure was not drawn in a new tab');
    await tab.close();

    const plotCell = await page.evaluate(() =>
      (window as unknown as JupyterWindow).Jupyter.notebook.get_cells().findIndex((c) => c.get_text().includes('showPlot')),
    );
    assert.ok(plotCell >= 0);
    await page.evaluate((i) => (window as unknown as JupyterWindow).Jupyter.notebook.execute_cells([i]), plotCell);
    await page.waitForFunction(
      (old) => Array.from(document.querySelectorAll('.ktg-plot')).some((d) => d.id !== old && d.querySelector('svg.main-svg g.trace')),
      first[0],
      { timeout: 60_000 },
    );
    const again = await drawnFigures(page);
    assert.equal(again.length, 1);
    assert.notEqual(again[0], first[0], 're-running the cell did not replace the figure');
    await page.close();
  });
});

describe('figures without scripts', () => {
  it('nbconvert HTML of a committed notebook, JavaScript disabled: every figure shows its static image', async () => {
    const notebook = path.join(root, 'notebooks', 'ch2_distillation.ipynb');
    const html = path.join(home, 'ch2.html');
    const res = spawnSync(python, ['-m', 'nbconvert', '--to', 'html', '--output', html, notebook], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const figures = JSON.parse(fs.readFileSync(notebook, 'utf8'))
      .cells.flatMap((c: { outputs?: Array<{ data?: Record<string, unknown> }> }) => c.outputs ?? [])
      .filter((o: { data?: Record<string, unknown> }) => String(o.data?.['text/html'] ?? '').includes('ktg-plot')).length;
    assert.ok(figures >= 1, 'the notebook has no figure outputs');
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`file://${html}`);
    const shown = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.ktg-plot')).map((d) => {
        const img = d.querySelector('img');
        return img != null && img.complete && img.naturalWidth > 100;
      }),
    );
    assert.equal(shown.length, figures);
    assert.ok(shown.every(Boolean), `figures without a visible image: ${shown.filter((s) => !s).length} of ${shown.length}`);
    await context.close();
  });
});

describe('a fresh clone: every committed notebook untrusted', () => {
  const committed = fs
    .readdirSync(path.join(root, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb') && !f.startsWith('_'))
    .sort();

  it('shows every output the file holds (no svg or markdown output that untrusted Notebook 6 drops)', async () => {
    const page = await browser.newPage();
    const ignored: string[] = [];
    page.on('console', (m) => {
      if (/Ignoring untrusted/.test(m.text())) ignored.push(m.text());
    });
    for (const name of committed) {
      const nb = JSON.parse(fs.readFileSync(path.join(root, 'notebooks', name), 'utf8')) as {
        cells: Array<{ outputs?: Array<{ output_type: string; name?: string }> }>;
      };
      // the Notebook shows consecutive stream outputs of one stream (stdout, stderr) of a cell as one
      const expected = nb.cells
        .map(
          (c) =>
            (c.outputs ?? []).filter((o, i, all) => !(o.output_type === 'stream' && i > 0 && all[i - 1].output_type === 'stream' && all[i - 1].name === o.name))
              .length,
        )
        .reduce((a, b) => a + b, 0);
      // a notebook committed before its first cpu run has no outputs to hide (Notebook 6 opens it as trusted)
      if (expected === 0) continue;
      ignored.length = 0;
      await page.goto(`${base}/notebooks/notebooks/${name}`);
      await page.waitForFunction(() => (window as unknown as Partial<JupyterWindow>).Jupyter?.notebook?.get_cells().length, undefined, { timeout: 60_000 });
      const trusted = await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { trusted: boolean } } }).Jupyter.notebook.trusted);
      assert.equal(trusted, false, `${name} opened trusted: the test must see what a fresh clone sees`);
      const shown = await page.evaluate(
        () =>
          Array.from(document.querySelectorAll('.output_area .output_subarea')).filter((e) => e.childElementCount > 0 || (e.textContent ?? '').trim() !== '')
            .length,
      );
      assert.deepEqual({ name, shown, ignored: ignored.length }, { name, shown: expected, ignored: 0 }, ignored.join('\n'));
    }
    await page.close();
  });

  it('nbconvert HTML without scripts: every diagram and table of ch5 is there (PNG images drawn, HTML tables)', async () => {
    const notebook = path.join(root, 'notebooks', 'ch5_semi_supervised.ipynb');
    const html = path.join(home, 'ch5.html');
    const res = spawnSync(python, ['-m', 'nbconvert', '--to', 'html', '--output', html, notebook], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const outputs = JSON.parse(fs.readFileSync(notebook, 'utf8')).cells.flatMap(
      (c: { outputs?: Array<{ data?: Record<string, unknown> }> }) => c.outputs ?? [],
    );
    const diagrams = outputs.filter((o: { data?: Record<string, unknown> }) => o.data?.['image/png'] !== undefined).length;
    const tables = outputs.filter((o: { data?: Record<string, unknown> }) => /<table>/.test([o.data?.['text/html'] ?? ''].flat().join(''))).length;
    assert.ok(diagrams >= 5 && tables >= 2, `${diagrams} diagrams, ${tables} tables`);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`file://${html}`);
    const seen = await page.evaluate(() => ({
      images: Array.from(document.querySelectorAll('.jp-RenderedImage img, .output_png img')).filter((i) => (i as HTMLImageElement).naturalWidth > 100).length,
      tables: document.querySelectorAll('.jp-RenderedHTMLCommon table, .output_html table').length,
    }));
    assert.ok(seen.images >= diagrams, `${seen.images} drawn images for ${diagrams} diagrams`);
    assert.ok(seen.tables >= tables, `${seen.tables} tables for ${tables}`);
    await context.close();
  });
});
