// Preloaded by ktg's Jupyter kernel (.jupyter-runtime/kernels/tslab/kernel.json runs
// `node --require <this file> tslab kernel …`): loading the static figure renderer starts its
// headless Chromium in the background as the kernel starts, so it is ready by the time a cell draws
// the first figure instead of starting when the first cell imports ktg. Without a build (no dist/)
// it does nothing and the import cell starts the renderer as before.
try {
  require('../dist/viz/static_render');
} catch {
  // not built yet
}
