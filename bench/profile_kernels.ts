import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend';
import { benchModels } from './models';
(async () => {
  await initBackend({ backend: 'wasm', threads: 2, quiet: true });
  const step = benchModels[process.argv[2]](64);
  step(); step();
  const info = await tf.profile(() => { step(); });
  const agg = new Map<string, {ms:number,n:number}>();
  for (const k of info.kernels) { const e = agg.get(k.name) ?? {ms:0,n:0}; e.ms += k.kernelTimeMs as number; e.n++; agg.set(k.name, e); }
  const rows = [...agg.entries()].sort((a,b)=>b[1].ms-a[1].ms).slice(0,25);
  let tot=0; for (const [,e] of agg) tot+=e.ms;
  console.log('total kernel ms', tot.toFixed(0));
  for (const [n,e] of rows) console.log(n.padEnd(28), e.ms.toFixed(1).padStart(8), e.n);
  process.exit(0);
})();
