/** 2-D embeddings of feature vectors (attention maps per node, Fig 4.13): UMAP (umap-js) and t-SNE (druidjs), seeded. */
import { UMAP } from 'umap-js';
import { Rng } from '../data/random';

export type EmbeddingMethod = 'umap' | 'tsne';

export function embed2d(rows: ArrayLike<number>[], method: EmbeddingMethod, options: { seed?: number; neighbours?: number } = {}): [number, number][] {
  const data = rows.map((r) => Array.from(r));
  if (data.length < 3) throw new Error(`need at least 3 points to embed, got ${data.length}`);
  const rng = new Rng(options.seed ?? 0);
  if (method === 'umap') {
    const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(options.neighbours ?? 15, data.length - 1), random: () => rng.next() });
    return umap.fit(data).map((p) => [p[0], p[1]]);
  }
  // druidjs ships CommonJS as dist/druid.cjs; its seed makes t-SNE deterministic
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const druid = require('@saehrimnir/druidjs') as {
    TSNE: new (m: unknown, o: object) => { transform(iterations: number): unknown };
    Matrix: { from(a: number[][]): unknown };
  };
  const perplexity = Math.max(2, Math.min(30, Math.floor((data.length - 1) / 3)));
  const out = new druid.TSNE(druid.Matrix.from(data), { perplexity, d: 2, seed: options.seed ?? 0 }).transform(500) as
    ArrayLike<number>[] | { to2dArray: ArrayLike<number>[] | (() => ArrayLike<number>[]) };
  const arr = Array.isArray(out)
    ? out
    : typeof (out as { to2dArray: unknown }).to2dArray === 'function'
      ? (out as { to2dArray: () => ArrayLike<number>[] }).to2dArray()
      : (out as { to2dArray: ArrayLike<number>[] }).to2dArray;
  return Array.from(arr, (p) => [p[0], p[1]] as [number, number]);
}
