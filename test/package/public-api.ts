import path from 'node:path';
import ts from 'typescript';
import { root } from './packed.js';

/** The package's entry points: the subpath users import, and the source file that is its explicit list. */
export const ENTRY_POINTS = [
  { subpath: 'nekomata', source: 'core/index.ts' },
  { subpath: 'nekomata/app', source: 'app/index.ts' },
  { subpath: 'nekomata/testing', source: 'core/testing/index.ts' },
] as const;

/** One exported name as the entry file lists it. */
export interface ListedName {
  name: string;
  kind: 'value' | 'type';
  section: string;
  documented: boolean;
}

export interface EntryListing {
  subpath: string;
  listed: ListedName[];
  /** Names the compiler sees exported, whatever the file's statements say (catches `export *`). */
  exported: string[];
  /** Statements that export without naming what (`export *`, `export * as ns`, `export default`). */
  unnamed: string[];
}

/** Reads every entry file with the TypeScript compiler: the names it lists, by section, and what it really exports. */
export function readEntryPoints(): EntryListing[] {
  const files = ENTRY_POINTS.map((e) => path.join(root, e.source));
  const program = ts.createProgram(files, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2023, strict: true, noEmit: true, experimentalDecorators: false });
  const checker = program.getTypeChecker();
  return ENTRY_POINTS.map((entry, i) => {
    const file = program.getSourceFile(files[i]!)!;
    const listed: ListedName[] = [];
    const unnamed: string[] = [];
    let section = '';
    for (const statement of file.statements) {
      const leading = file.getFullText().slice(statement.getFullStart(), statement.getStart(file));
      const header = [...leading.matchAll(/^\s*\/\/ --- (.+?) ---\s*$/gm)].at(-1);
      if (header) section = header[1]!;
      if (ts.isExportDeclaration(statement)) {
        if (!statement.exportClause || ts.isNamespaceExport(statement.exportClause)) {
          unnamed.push(statement.getText(file));
          continue;
        }
        const documented = /\/\*\*[\s\S]*?\*\/\s*$/.test(leading);
        for (const element of statement.exportClause.elements) {
          const kind = statement.isTypeOnly || element.isTypeOnly ? 'type' : 'value';
          listed.push({ name: element.name.text, kind, section, documented });
        }
      } else if (ts.isExportAssignment(statement) || hasExportModifier(statement)) {
        unnamed.push(statement.getText(file).split('\n')[0]!);
      }
    }
    const symbol = checker.getSymbolAtLocation(file)!;
    const exported = checker.getExportsOfModule(symbol).map((s) => s.getName());
    return { subpath: entry.subpath, listed, exported, unnamed };
  });
}

function hasExportModifier(statement: ts.Statement): boolean {
  return ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/**
 * The report kept in `test/package/public-api.md`: each entry point, its sections and their names, in the
 * entry file's order. A change to the public API shows as a change to this file.
 */
export function apiReport(entries: EntryListing[]): string {
  const out = ['# The public API of the nekomata package', '', 'Generated from the entry files by `npm run api:report`; `test/package/public-api.test.ts` checks it.'];
  for (const entry of entries) {
    out.push('', `## ${entry.subpath}`);
    let section: string | undefined;
    for (const n of entry.listed) {
      if (n.section !== section) out.push('', `### ${(section = n.section)}`, '');
      out.push(`- ${n.kind} \`${n.name}\``);
    }
  }
  return `${out.join('\n')}\n`;
}
