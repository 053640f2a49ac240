/** Result tables as Markdown (for `tslab.display.markdown` and the terminal summary of `npm run main`). */

export type Cell = string | number | undefined;

export interface MarkdownTableOptions {
  /** a bold line above the table */
  title?: string;
  /** digits for numbers (default 2) */
  digits?: number;
  /** per-column alignment (default: left for text, right for numbers in the first row) */
  align?: Array<'left' | 'right' | 'center'>;
}

const escape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** | a | b | rows: numbers formatted with `digits`, undefined as empty, pipes escaped */
export function markdownTable(header: string[], rows: Cell[][], options: MarkdownTableOptions = {}): string {
  const digits = options.digits ?? 2;
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new Error(`row ${i} has ${r.length} cells, the header ${header.length}`);
  });
  const text = (c: Cell) => (c === undefined ? '' : typeof c === 'number' ? (Number.isFinite(c) ? c.toFixed(digits) : String(c)) : escape(c));
  const align = header.map((_, j) => options.align?.[j] ?? (typeof rows[0]?.[j] === 'number' ? 'right' : 'left'));
  const rule = align.map((a) => (a === 'right' ? '---:' : a === 'center' ? ':---:' : '---'));
  const lines = [`| ${header.map(escape).join(' | ')} |`, `| ${rule.join(' | ')} |`, ...rows.map((r) => `| ${r.map(text).join(' | ')} |`)];
  return (options.title ? [`**${options.title}**`, '', ...lines] : lines).join('\n');
}

export { meanStdText } from '../graph/repeat';
