/**
 * Graphviz rendering of a graph spec in the thesis's style: one colour per gate, cut edges hidden,
 * gate names on the edges, the target node highlighted and frozen (pretrained) nodes marked. A GAN
 * graph is drawn like paper 003's Fig 8: the discriminator D feeds each generator's adversarial
 * edge, generators G1..Gk pass knowledge along transfer edges.
 */
import { describeGate, gateBlocks, gateColour } from '../gates';
import { copiesSource, lossDefinition } from '../losses/registry';
import { AnyGraphSpec, emaNodes, frozenNodes, GraphSpec } from './spec';

export interface DotOptions {
  showCutoff?: boolean;
  title?: string;
  /** "both" (default) labels edges "loss · gate" coloured by gate; "gates" and "losses" draw the thesis' split views */
  view?: 'both' | 'gates' | 'losses';
}

/**
 * `view`: "both" (default) labels edges "loss · gate" coloured by gate; "gates" and "losses" draw
 * the thesis' split views (Fig 5.6–5.10): gate names coloured by gate, or loss names coloured by loss.
 */
export function graphToDot(spec: AnyGraphSpec, options: DotOptions = {}): string {
  const view = options.view ?? 'both';
  const lines = ['digraph KTG {', '  rankdir=LR; node [shape=box, style="rounded,filled", fontname="Helvetica"]; edge [fontname="Helvetica", fontsize=10];'];
  if (options.title) lines.push(`  label=${dotQuote(options.title)}; labelloc=t;`);
  if (spec.kind === 'gan') {
    lines.push(`  n0 [label="D (${spec.nodes.length + 1} classes)", shape=ellipse, fillcolor="#f2f2f2"];`);
    spec.nodes.forEach((_, i) => lines.push(`  n${i + 1} [label="G${i + 1}", fillcolor="#dbe9f6"];`));
  } else nodeLines(spec, lines);
  for (const e of spec.edges) {
    if (gateBlocks(e.gate) && !options.showCutoff) continue;
    const gate = describeGate(e.gate);
    const style = gateBlocks(e.gate) ? ', style=dashed' : copiesSource(e.loss) ? ', style=bold' : '';
    const label = view === 'gates' ? gate : view === 'losses' ? e.loss : `${e.loss} · ${gate}`;
    const colour = view === 'losses' ? (lossDefinition(e.loss).colour ?? '#555555') : gateColour(e.gate);
    lines.push(`  n${e.source} -> n${e.target} [label="${label}", color="${colour}", fontcolor="${colour}"${style}];`);
  }
  lines.push('}');
  return lines.join('\n');
}

/** a classifier graph's nodes: labels, the target highlighted, frozen and EMA nodes marked */
function nodeLines(spec: GraphSpec, lines: string[]): void {
  const frozen = new Set(frozenNodes(spec));
  const ema = new Set(emaNodes(spec));
  lines.push('  n0 [label="0: labels", shape=ellipse, fillcolor="#f2f2f2"];');
  spec.nodes.forEach((n, i) => {
    const id = i + 1;
    const fill = n.role === 'target' ? '#fde2cf' : frozen.has(id) ? '#e6e6e6' : '#eef3fb';
    const tag = frozen.has(id) ? '\\n(pretrained, frozen)' : ema.has(id) ? '\\n(EMA)' : n.pretrained ? '\\n(pretrained)' : '';
    lines.push(`  n${id} [label="${id}: ${n.model}${tag}", fillcolor="${fill}"${n.role === 'target' ? ', penwidth=2' : ''}];`);
  });
}

/** a Graphviz quoted string: backslashes and double quotes escaped, so a title cannot end the label or the statement */
export function dotQuote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
