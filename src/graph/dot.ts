/**
 * Graphviz rendering of a graph spec in the thesis's style: one colour per gate, cut edges hidden,
 * gate names on the edges, the target node highlighted and frozen (pretrained) nodes marked.
 */
import { frozenNodes, GraphSpec } from './spec';

export const gateColours: Record<string, string> = {
  through: '#1f77b4',
  linear: '#2ca02c',
  negativeLinear: '#9467bd',
  correct: '#d62728',
  sine: '#ff7f0e',
  threshold: '#8c564b',
  cutoff: '#bbbbbb',
};

export function graphToDot(spec: GraphSpec, options: { showCutoff?: boolean; title?: string } = {}): string {
  const frozen = new Set(frozenNodes(spec));
  const lines = ['digraph KTG {', '  rankdir=LR; node [shape=box, style="rounded,filled", fontname="Helvetica"]; edge [fontname="Helvetica", fontsize=10];'];
  if (options.title) lines.push(`  label="${options.title.replace(/"/g, '\\"')}"; labelloc=t;`);
  lines.push('  n0 [label="0: labels", shape=ellipse, fillcolor="#f2f2f2"];');
  spec.nodes.forEach((n, i) => {
    const id = i + 1;
    const fill = n.role === 'target' ? '#fde2cf' : frozen.has(id) ? '#e6e6e6' : '#eef3fb';
    const tag = frozen.has(id) ? '\\n(pretrained, frozen)' : n.pretrained ? '\\n(pretrained)' : '';
    lines.push(`  n${id} [label="${id}: ${n.model}${tag}", fillcolor="${fill}"${n.role === 'target' ? ', penwidth=2' : ''}];`);
  });
  for (const e of spec.edges) {
    if (e.gate.name === 'cutoff' && !options.showCutoff) continue;
    const gate = e.gate.name === 'sine' ? `sine(${e.gate.f?.toFixed(2)}, ${e.gate.phi?.toFixed(2)})` : e.gate.name;
    const style = e.gate.name === 'cutoff' ? ', style=dashed' : '';
    lines.push(`  n${e.source} -> n${e.target} [label="${e.loss} · ${gate}", color="${gateColours[e.gate.name]}", fontcolor="${gateColours[e.gate.name]}"${style}];`);
  }
  lines.push('}');
  return lines.join('\n');
}
