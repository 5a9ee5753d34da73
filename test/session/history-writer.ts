import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The shipped source: what the package runs. Tests and benchmarks may write a store directly. */
const SOURCE_FOLDERS = ['core', 'adapters', 'plugins', 'app'];

/** Where the store's history `append` is used outside `core/store`, by file, with the owning type's name. */
export interface HistoryAppendUse {
  file: string;
  line: number;
  owner: string;
}

/**
 * Every use of a `HistoryStore`'s `append` (the interface's, SQLite's or Redis's) in the shipped source, found
 * with the type checker rather than by text: an alias (`const h = store.history; h.append(e)`) or a method
 * reference passed along (`history.append.bind(history)`) is found too.
 */
export function historyAppendUses(): HistoryAppendUse[] {
  const files = SOURCE_FOLDERS.flatMap((dir) => ts.sys.readDirectory(path.join(root, dir), ['.ts'], ['**/*.d.ts', '**/node_modules/**']));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2023, strict: true, noEmit: true,
  });
  const checker = program.getTypeChecker();
  const storeDir = path.join(root, 'core', 'store') + path.sep;
  const uses: HistoryAppendUse[] = [];
  for (const file of program.getSourceFiles()) {
    const fileName = path.resolve(file.fileName);
    if (!fileName.startsWith(root) || fileName.includes(`${path.sep}node_modules${path.sep}`) || fileName.startsWith(storeDir)) continue;
    // Cheap text filter first: the checker is asked only about files that mention the name.
    if (!file.text.includes('append')) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && node.text === 'append') {
        const owner = historyStoreOwner(checker.getSymbolAtLocation(node), storeDir);
        if (owner) uses.push({ file: path.relative(root, fileName), line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, owner });
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return uses;
}

/** The name of the history store type that declares this `append`, when one in `core/store` does. */
function historyStoreOwner(symbol: ts.Symbol | undefined, storeDir: string): string | undefined {
  for (const d of symbol?.declarations ?? []) {
    if (!path.resolve(d.getSourceFile().fileName).startsWith(storeDir)) continue;
    const parent = d.parent;
    if ((ts.isInterfaceDeclaration(parent) || ts.isClassDeclaration(parent)) && parent.name && /History/.test(parent.name.text)) return parent.name.text;
  }
  return undefined;
}
