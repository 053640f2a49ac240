/**
 * What the papers say, as data: every claim a notebook tests cites one of these records, so a
 * reader sees the paper's own number for each arm, the table or figure, the dataset and the models
 * next to our paired difference. The numbers are copied from ../shared/papers (test/claims checks
 * that each one appears in its paper's text); where a figure gives no number, `value` is absent and
 * `note` says what the paper states.
 */

/** the source papers, by the prefix of their file in shared/papers */
export const papers = {
  '004': 'doctoral thesis: knowledge transfer graphs (Ch. 3–5)',
  '003': 'Collaborative learning of GANs (VISAPP 2021; 000 is its Japanese version)',
  '001': 'DCGAN-generated training data',
} as const;
export type PaperId = keyof typeof papers;

export interface ArmReference {
  /** the arm as the paper names it */
  label: string;
  /** the paper's number (mean over its runs) */
  value?: number;
  /** its ± spread where the paper gives one */
  sd?: number;
}

export interface PaperReference {
  paper: PaperId;
  /** table or figure, e.g. "Table 3.2" */
  where: string;
  dataset: string;
  models: string;
  better: ArmReference;
  baseline: ArmReference;
  /** what the paper states where a number alone does not say it */
  note?: string;
}

const thesis = (where: string, dataset: string, models: string, better: ArmReference, baseline: ArmReference, note?: string): PaperReference => ({
  paper: '004',
  where,
  dataset,
  models,
  better,
  baseline,
  ...(note ? { note } : {}),
});
const ganPaper = (where: string, models: string, better: ArmReference, baseline: ArmReference, note?: string): PaperReference => ({
  paper: '003',
  where,
  dataset: 'CIFAR-10 at 64×64, Inception IS (real images 8.70)',
  models,
  better,
  baseline,
  ...(note ? { note } : {}),
});
const dcganData = (where: string, better: ArmReference, baseline: ArmReference, note?: string): PaperReference => ({
  paper: '001',
  where,
  dataset: 'MNIST; softmax regression, 1,000 iterations',
  models: 'DCGAN snapshots at 300/600/1,200/2,400 iterations',
  better,
  baseline,
  ...(note ? { note } : {}),
});

const vanilla32: ArmReference = { label: 'vanilla ResNet32', value: 70.71, sd: 0.39 };

export const paperReferences = {
  // Ch. 2 / 3, CIFAR-100, target ResNet32
  kdVsVanilla: thesis('Table 3.2', 'CIFAR-100', 'ResNet32 ← pretrained WRN28-2 teacher, T = 2', { label: 'KD (T = 2)', value: 71.88, sd: 0.78 }, vanilla32),
  dml2VsVanilla: thesis('Table 3.2', 'CIFAR-100', '2 × ResNet32', { label: 'DML', value: 72.0, sd: 0.44 }, vanilla32),
  searched2VsVanilla: thesis(
    'Table 3.2',
    'CIFAR-100',
    'ResNet32 + WRN28-2 (searched)',
    { label: 'ours, 2 nodes, four gates', value: 72.88, sd: 0.41 },
    vanilla32,
  ),
  searched3VsVanilla: thesis(
    'Table 3.2',
    'CIFAR-100',
    'ResNet32 + WRN28-2 + ResNet32 (searched)',
    { label: 'ours, 3 nodes, four gates', value: 73.46, sd: 0.28 },
    vanilla32,
  ),
  dml3VsVanilla: thesis(
    'Table 3.2',
    'CIFAR-100',
    'ResNet32 + WRN28-2 + ResNet32 (the searched graph’s models, every gate through)',
    { label: 'DML, 3 nodes', value: 72.89, sd: 0.21 },
    vanilla32,
    'with 3 × ResNet32 DML reaches 72.09 ± 0.43',
  ),
  searched3VsKd: thesis(
    'Table 3.2',
    'CIFAR-100',
    'ResNet32 target; KD from a pretrained WRN28-2, T = 2',
    { label: 'ours, 3 nodes, four gates', value: 73.46, sd: 0.28 },
    { label: 'KD (T = 2)', value: 71.88, sd: 0.78 },
  ),
  gates2VsThrough: thesis(
    'Fig 3.9 (numbers: Table 3.2)',
    'CIFAR-100',
    'ResNet32 + WRN28-2',
    { label: 'ours, 2 nodes (optimized gates)', value: 72.88, sd: 0.41 },
    { label: 'DML with the same models (every gate through)', value: 72.71, sd: 0.18 },
    'Fig 3.9: optimized gates above the same graph with every gate through for every graph size and search dataset',
  ),
  gates3VsThrough: thesis(
    'Fig 3.9 (numbers: Table 3.2)',
    'CIFAR-100',
    'ResNet32 + WRN28-2 + ResNet32',
    { label: 'ours, 3 nodes (optimized gates)', value: 73.46, sd: 0.28 },
    { label: 'DML with the same models (every gate through)', value: 72.89, sd: 0.21 },
    'Fig 3.9: optimized gates above the same graph with every gate through for every graph size and search dataset',
  ),
  gateCandidates: thesis(
    'Table 3.5',
    'CIFAR-100',
    'ResNet32 target; auxiliary ResNet32 / ResNet110 / WRN28-2',
    { label: '4 gate candidates', value: 73.46, sd: 0.28 },
    { label: '2 gate candidates', value: 73.29, sd: 0.2 },
    'more candidates, higher accuracy (73.22 → 73.29 → 73.42 → 73.46); the text says 2-node searches, the 4-candidate value is Table 3.2’s 3-node graph',
  ),
  searched3VsRandom: thesis(
    'Table 3.2 (implied)',
    'CIFAR-100',
    'ResNet32 target; auxiliary ResNet32 / ResNet110 / WRN28-2; 3 nodes, four gates',
    { label: 'ours, 3 nodes, four gates', value: 73.46, sd: 0.28 },
    { label: 'a graph drawn at random from the same space' },
    'the thesis retrains no random graph: that searching beats a random draw from the space is implied by its searched graphs beating every hand-designed graph, not measured',
  ),
  transferredGraph: thesis(
    'Table 3.4',
    '8 datasets (Caltech-101 … DTD), graphs searched on CIFAR-100',
    'ResNet32 target; DML with ResNet32 everywhere',
    { label: 'ours, four gates' },
    { label: 'DML' },
    'ours above DML on all 8 datasets for 2–6 nodes, e.g. 3 nodes on Caltech-101: 60.60 vs 40.49',
  ),
  // Ch. 4, ensembles
  dmlNodeGain: thesis(
    'Fig 4.1',
    'Stanford Dogs',
    'ABN (ResNet18 base), 1–4 models',
    { label: 'DML node' },
    { label: 'independent node' },
    'DML raises node accuracy, by about 4 points at 4 models',
  ),
  dmlEnsembleGain: thesis(
    'Fig 4.1',
    'Stanford Dogs',
    'ABN (ResNet18 base), 1–4 models',
    { label: 'DML ensemble' },
    { label: 'independent ensemble' },
    'DML’s ensemble is slightly above the independent one: under 1 point at 4 models while nodes gain about 4 (Table 4.6, ResNet18 × 3: 69.95 vs 68.64)',
  ),
  negKlCollapse: thesis(
    'Table 4.4',
    'Stanford Dogs',
    '4 × ResNet18',
    { label: 'KL (pull)', value: 69.95 },
    { label: '−KL (push)', value: 57.87 },
    'negative dissimilarities collapse; cosine push does not (69.88)',
  ),
  negMseCollapse: thesis(
    'Table 4.5',
    'Stanford Dogs',
    '4 × ResNet18',
    { label: 'MSE of maps (pull)', value: 68.91 },
    { label: '−MSE (push)', value: 64.73 },
    'negative dissimilarities collapse; cosine push does not (70.35)',
  ),
  searchedVsDmlEnsemble: thesis(
    'Table 4.6',
    'Stanford Dogs',
    '3 × ResNet18',
    { label: 'ours (searched) ensemble', value: 71.87, sd: 0.33 },
    { label: 'DML ensemble', value: 69.95, sd: 0.39 },
  ),
  searchedVsIndependentEnsemble: thesis(
    'Table 4.6',
    'Stanford Dogs',
    '3 × ResNet18',
    { label: 'ours (searched) ensemble', value: 71.87, sd: 0.33 },
    { label: 'independent ensemble', value: 68.64, sd: 0.38 },
  ),
  searchedVsRandomEnsemble: thesis(
    'Table 4.6 (implied)',
    'Stanford Dogs',
    '3 × ResNet18',
    { label: 'ours (searched) ensemble', value: 71.87, sd: 0.33 },
    { label: 'ensemble of a graph drawn at random from the same space' },
    'the thesis retrains no random graph: that the searched graph beats a random draw is implied by its beating DML and independent training, not measured',
  ),
  surgeryWithAttention: thesis(
    'Table 4.9',
    'Stanford Dogs',
    'ABN (ResNet18) student; 5 teachers, ensemble 74.52',
    { label: 'per-teacher probabilities + attention maps, gradient aggregation', value: 74.0, sd: 0.14 },
    { label: 'per-teacher probabilities + attention maps', value: 71.95, sd: 1.89 },
  ),
  perTeacherVsEnsemble: thesis(
    'Table 4.9',
    'Stanford Dogs',
    'ABN (ResNet18) student; 5 teachers, ensemble 74.52',
    { label: 'per-teacher probabilities', value: 73.8, sd: 0.15 },
    { label: 'ensemble probability', value: 69.45, sd: 0.3 },
  ),
  // Ch. 5, semi-supervised
  searched3VsRandomSemi: thesis(
    'Table 5.5 (implied)',
    'CIFAR-10, 1,000 labels',
    'diverse space (ResNet-32 / WRN-28-6), 3 nodes',
    { label: 'ours, 3 nodes', value: 82.45 },
    { label: 'a graph drawn at random from the same space' },
    'the thesis retrains no random graph: that searching beats a random draw is implied by the searched graphs beating FixMatch and the other methods, not measured',
  ),
  searched3VsFixMatch: thesis(
    'Table 5.5',
    'CIFAR-10, 1,000 labels',
    'diverse space (ResNet-32 / WRN-28-6), 3 nodes',
    { label: 'ours, 3 nodes', value: 82.45 },
    { label: 'FixMatch', value: 52.05 },
    'CIFAR-100 with 2,000 labels (Table 5.4): 42.55 vs 29.31',
  ),
  fixMatchSearchVsFixMatch: thesis(
    'Table 5.3',
    'CIFAR-100, 400 labels',
    'FixMatch-based space (WRN-28-2), 2 nodes',
    { label: 'ours (FixMatch-based search)', value: 46.99, sd: 0.9 },
    { label: 'FixMatch', value: 46.63, sd: 2.15 },
    'ours above FixMatch at 400, 2,500 and 10,000 labels',
  ),
  fixMatchVsSupervised: thesis(
    'Table 5.4',
    'CIFAR-100, 2,000 labels',
    'diverse space (ResNet-32 / WRN-28-6)',
    { label: 'FixMatch', value: 29.31 },
    { label: 'supervised', value: 20.85 },
    'not in every setting: CIFAR-10 with 1,000 labels (Table 5.5) has FixMatch 52.05 below supervised 55.42',
  ),
  searched3VsSupervised: thesis(
    'Table 5.4',
    'CIFAR-100, 2,000 labels',
    'diverse space (ResNet-32 / WRN-28-6), 3 nodes',
    { label: 'ours, 3 nodes', value: 42.55 },
    { label: 'supervised', value: 20.85 },
  ),
  // GAN co-training (paper 003)
  snVsDcgan: ganPaper('Table 1', 'DCGAN, 1 generator', { label: 'DCGAN + SN', value: 4.77, sd: 0.05 }, { label: 'DCGAN', value: 4.57, sd: 0.03 }),
  imageTransferVsDcganSn: ganPaper(
    'Table 1',
    '2 generators, image transfer, through gates, SN',
    { label: 'proposed', value: 5.1, sd: 0.07 },
    { label: 'DCGAN + SN', value: 4.77, sd: 0.05 },
  ),
  imageTransferVsMadGan: ganPaper(
    'Table 1',
    '2 generators, image transfer, through gates, SN',
    { label: 'proposed', value: 5.1, sd: 0.07 },
    { label: 'MAD-GAN (SN)', value: 4.81, sd: 0.05 },
  ),
  searchedGatesVsMadGan: ganPaper(
    'Table 3',
    '3 generators, output-side feature maps, searched gates, SN',
    { label: 'proposed (searched gates)', value: 5.37, sd: 0.09 },
    { label: 'MAD-GAN (SN)', value: 4.77, sd: 0.03 },
  ),
  searchedGatesVsRandomGan: ganPaper(
    'Table 3 (implied)',
    'output-side feature maps, searched gates, SN',
    { label: 'proposed (searched gates)', value: 5.37, sd: 0.09 },
    { label: 'a graph drawn at random from the same space' },
    'the paper trains no random graph: that searching beats a random draw of gates is implied by the searched graph beating MAD-GAN, not measured',
  ),
  outputSideVsImages: ganPaper(
    'Table 2 / Fig 7',
    'searched through/cutoff gates',
    { label: 'feature maps, output-layer side', value: 4.48, sd: 0.05 },
    { label: 'generated images', value: 4.42, sd: 0.04 },
    'Fig 7: over 1,500 gate trials per method, feature-map transfer has higher IS than image transfer and trains more stably',
  ),
  inputSideVsImages: ganPaper(
    'Table 2 / Fig 7',
    'searched through/cutoff gates',
    { label: 'feature maps, input-layer side', value: 4.46, sd: 0.04 },
    { label: 'generated images', value: 4.42, sd: 0.04 },
    'Fig 7: over 1,500 gate trials per method, feature-map transfer has higher IS than image transfer and trains more stably',
  ),
  // DCGAN-generated training data (paper 001)
  lastVsFirstSnapshot: dcganData('Table 1', { label: 'trained on DCGAN2400', value: 88.4 }, { label: 'trained on DCGAN300', value: 73.1 }),
  generatedBelowReal: dcganData('Table 1', { label: 'trained on MNIST', value: 91.5 }, { label: 'trained on DCGAN2400', value: 88.4 }),
  mixVsReal: dcganData('Table 1', { label: 'DCGAN2400 + MNIST', value: 91.2 }, { label: 'MNIST', value: 91.5 }, 'every 1:1 mix reaches 90.7–91.2'),
  snapshotQuality: dcganData('Fig 3', { label: 'last snapshot' }, { label: 'first snapshot' }, 'samples become recognisable digits as training goes on'),
} satisfies Record<string, PaperReference>;

export type ReferenceName = keyof typeof paperReferences;

/** one line for tables: "Table 3.2 (CIFAR-100; …): KD (T = 2) 71.88 ± 0.78 vs vanilla ResNet32 70.71 ± 0.39" */
export function referenceText(r: PaperReference): string {
  const arm = (a: ArmReference) => `${a.label}${a.value != null ? ` ${a.value.toFixed(2)}${a.sd != null ? ` ± ${a.sd.toFixed(2)}` : ''}` : ''}`;
  const numbers = r.better.value != null || r.baseline.value != null ? `: ${arm(r.better)} vs ${arm(r.baseline)}` : '';
  return `${r.paper === '004' ? '' : `paper ${r.paper} `}${r.where} (${r.dataset}; ${r.models})${numbers}${r.note ? `; ${r.note}` : ''}`;
}
