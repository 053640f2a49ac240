/**
 * Graphviz rendering of a co-training graph like paper 003's Fig 8: the discriminator feeds each
 * generator's adversarial edge, generators pass knowledge along transfer edges; edges are coloured
 * by gate and labelled "representation · gate"; cut edges are hidden unless asked for.
 */
import { DEFAULT_GATE, describeGate, gateBlocks, gateColour, GateSpec } from '../gates';
import { CoGanSpec } from './cotraining';
import { dotQuote } from '../graph/dot';

export function coGanToDot(spec: CoGanSpec, options: { showCutoff?: boolean; title?: string } = {}): string {
  const lines = ['digraph CoGAN {', '  rankdir=LR; node [shape=box, style="rounded,filled", fontname="Helvetica"]; edge [fontname="Helvetica", fontsize=10];'];
  if (options.title) lines.push(`  label=${dotQuote(options.title)}; labelloc=t;`);
  lines.push('  D [label="D (k+1 classes)", shape=ellipse, fillcolor="#f2f2f2"];');
  for (let i = 1; i <= spec.generators; i++) lines.push(`  G${i} [label="G${i}", fillcolor="#dbe9f6"];`);
  const edge = (from: string, to: string, label: string, gate: GateSpec) => {
    if (gateBlocks(gate) && !options.showCutoff) return;
    const colour = gateColour(gate);
    lines.push(`  ${from} -> ${to} [label="${label}", color="${colour}", fontcolor="${colour}"${gateBlocks(gate) ? ', style=dashed' : ''}];`);
  };
  for (let i = 1; i <= spec.generators; i++) {
    const g = spec.adversarialGates?.[i - 1] ?? DEFAULT_GATE;
    edge('D', `G${i}`, `adversarial · ${describeGate(g)}`, g);
  }
  for (const e of spec.edges) edge(`G${e.source}`, `G${e.target}`, `${e.kind} · ${describeGate(e.gate)}`, e.gate);
  lines.push('}');
  return lines.join('\n');
}
