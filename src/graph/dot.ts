/**
 * Graphviz rendering of a graph spec in the thesis's style: one colour per gate, cut edges hidden,
 * gate names on the edges, the target node highlighted and frozen (pretrained) nodes marked.
 */
import type { GateSpec } from '../gates';
import { emaNodes, frozenNodes, GraphSpec } from './spec';

/** a gate as an edge label in diagrams: its name, with f and φ for sine gates */
export function dotGateLabel(gate: GateSpec): string {
  return gate.name === 'sine' ? `sine(${gate.f?.toFixed(2)}, ${gate.phi?.toFixed(2)})` : gate.name;
}

export const gateColours: Record<string, string> = {
  through: '#1f77b4',
  linear: '#2ca02c',
  negativeLinear: '#9467bd',
  correct: '#d62728',
  sine: '#ff7f0e',
  threshold: '#8c564b',
  cutoff: '#bbbbbb',
};

const lossColours: Record<string, string> = { ce: '#333333', kl: '#1f77b4', consistency: '#1f77b4', pseudo: '#9467bd', 'pseudo-threshold': '#d62728', ema: '#2ca02c' };

/**
 * `view`: "both" (default) labels edges "loss · gate" coloured by gate; "gates" and "losses" draw
 * the thesis' split views (Fig 5.6–5.10): gate names coloured by gate, or loss names coloured by loss.
 */
export function graphToDot(spec: GraphSpec, options: { showCutoff?: boolean; title?: string; view?: 'both' | 'gates' | 'losses' } = {}): string {
  const frozen = new Set(frozenNodes(spec));
  const ema = new Set(emaNodes(spec));
  const view = options.view ?? 'both';
  const lines = ['digraph KTG {', '  rankdir=LR; node [shape=box, style="rounded,filled", fontname="Helvetica"]; edge [fontname="Helvetica", fontsize=10];'];
  if (options.title) lines.push(`  label="${options.title.replace(/"/g, '\\"')}"; labelloc=t;`);
  lines.push('  n0 [label="0: labels", shape=ellipse, fillcolor="#f2f2f2"];');
  spec.nodes.forEach((n, i) => {
    const id = i + 1;
    const fill = n.role === 'target' ? '#fde2cf' : frozen.has(id) ? '#e6e6e6' : '#eef3fb';
    const tag = frozen.has(id) ? '\\n(pretrained, frozen)' : ema.has(id) ? '\\n(EMA)' : n.pretrained ? '\\n(pretrained)' : '';
    lines.push(`  n${id} [label="${id}: ${n.model}${tag}", fillcolor="${fill}"${n.role === 'target' ? ', penwidth=2' : ''}];`);
  });
  for (const e of spec.edges) {
    if (e.gate.name === 'cutoff' && !options.showCutoff) continue;
    const gate = dotGateLabel(e.gate);
    const style = e.gate.name === 'cutoff' ? ', style=dashed' : e.loss === 'ema' ? ', style=bold' : '';
    const label = view === 'gates' ? gate : view === 'losses' ? e.loss : `${e.loss} · ${gate}`;
    const colour = view === 'losses' ? (lossColours[e.loss] ?? '#555555') : gateColours[e.gate.name];
    lines.push(`  n${e.source} -> n${e.target} [label="${label}", color="${colour}", fontcolor="${colour}"${style}];`);
  }
  lines.push('}');
  return lines.join('\n');
}
