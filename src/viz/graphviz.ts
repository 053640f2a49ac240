/** Graphviz DOT → SVG with @viz-js/viz (Graphviz compiled to wasm, no system binary needed). */
let instance: Promise<{ renderString(dot: string, options: { format: string; engine?: string }): string }> | undefined;

export async function renderDot(dot: string, engine = 'dot'): Promise<string> {
  instance ??= (
    require('@viz-js/viz') as { instance(): Promise<{ renderString(dot: string, options: { format: string; engine?: string }): string }> }
  ).instance();
  try {
    // an inline SVG element: without the XML declaration and DOCTYPE, which HTML viewers (nbconvert's
    // lxml among them) refuse inside a page
    return (await instance)
      .renderString(dot, { format: 'svg', engine })
      .replace(/^\s*<\?xml[^>]*\?>\s*/, '')
      .replace(/^\s*<!DOCTYPE[^>]*>\s*/, '');
  } catch (err) {
    throw new Error(`Graphviz could not render the diagram: ${(err as Error).message}`);
  }
}
