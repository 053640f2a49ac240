/**
 * `npm run typecheck:notebooks`: type-checks every notebook's code cells as one strict TypeScript
 * module each (cells in order, importing `../dist` as tslab does; run `npm run build` first), and
 * counts the `any`s written in them. Exits 1 on a type error or an `any` (the library gives types
 * for everything the notebooks use).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import ts from 'typescript';

const root = path.resolve(__dirname, '..');
const notebooksDir = path.join(root, 'notebooks');

interface Notebook {
  cells: Array<{ cell_type: string; source: string[] | string }>;
}

/** the code cells of a notebook as one module (a cell per block, separated by its index) */
export function notebookModule(file: string): string {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
  return (
    nb.cells
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.cell_type === 'code')
      .map(({ c, i }) => `// ---- cell ${i}\n${Array.isArray(c.source) ? c.source.join('') : c.source}\n`)
      .join('\n') + '\nexport {};\n'
  );
}

/** `any` written in the code (type annotations and casts), not in strings or comments */
export function countAny(source: ts.SourceFile): number {
  let n = 0;
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) n++;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return n;
}

function main(): void {
  const names = fs
    .readdirSync(notebooksDir)
    .filter((f) => f.endsWith('.ipynb') && !f.startsWith('_'))
    .sort();
  // next to the notebooks, so that '../dist' resolves as in the kernel
  const dir = fs.mkdtempSync(path.join(notebooksDir, '.typecheck-'));
  let failed = false;
  try {
    const files = names.map((n) => {
      const file = path.join(dir, n.replace(/\.ipynb$/, '.ts'));
      fs.writeFileSync(file, notebookModule(path.join(notebooksDir, n)).replace(/'\.\.\/dist'/g, "'../../dist'"));
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [path.join(root, 'node_modules', '@types')],
    });
    for (const [i, file] of files.entries()) {
      const source = program.getSourceFile(file)!;
      const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      const anys = countAny(source);
      console.log(`${names[i]}: ${diagnostics.length ? `${diagnostics.length} type error(s)` : 'types ok'}, ${anys} any`);
      for (const d of diagnostics) {
        const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
        const cell =
          source.text
            .slice(0, d.start)
            .match(/\/\/ ---- cell (\d+)/g)
            ?.pop()
            ?.replace('// ---- ', '') ?? '?';
        console.log(`  ${cell}, line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, os.EOL).split(os.EOL)[0]}`);
      }
      if (diagnostics.length || anys > 0) failed = true;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

if (require.main === module) main();
