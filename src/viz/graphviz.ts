/** Graphviz DOT → SVG with @viz-js/viz (Graphviz compiled to wasm, no system binary needed). */
let instance: Promise<{ renderString(dot: string, options: { format: string; engine?: string }): string }> | undefined;

export async function renderDot(dot: string, engine = 'dot'): Promise<string> {
  instance ??= (require('@viz-js/viz') as { instance(): Promise<{ renderString(dot: string, options: { format: string; engine?: string }): string }> }).instance();
  try {
    return (await instance).renderString(dot, { format: 'svg', engine });
  } catch (err) {
    throw new Error(`Graphviz could not render the diagram: ${(err as Error).message}`);
  }
}
