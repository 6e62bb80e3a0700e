// Every symbol the package exports has a doc comment: read from the entry points with the
// TypeScript compiler, the way an editor shows them to an embedder.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ENTRY_POINTS = ['src/index.ts', 'src/codec.ts', 'src/inspector/index.ts'];
const root = fileURLToPath(new URL('../../', import.meta.url));

function undocumentedExports(): string[] {
  const configFile = ts.readConfigFile(`${root}tsconfig.build.json`, ts.sys.readFile);
  const config = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const program = ts.createProgram(ENTRY_POINTS.map((f) => `${root}${f}`), { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const missing = new Set<string>();
  for (const entry of ENTRY_POINTS) {
    const source = program.getSourceFile(`${root}${entry}`);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`cannot read ${entry}`);
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = symbol.declarations ?? [];
      const documented = declarations.some((d) => {
        // A variable's comment sits on its statement; a declaration merged with a namespace or an
        // overload counts when any part carries one.
        const node = ts.isVariableDeclaration(d) ? d.parent.parent : d;
        return ts.getJSDocCommentsAndTags(node).length > 0;
      });
      if (!documented) {
        const where = declarations[0] ? declarations[0].getSourceFile().fileName.slice(root.length) : '?';
        missing.add(`${exported.name} (${where})`);
      }
    }
  }
  return [...missing].sort();
}

describe('the package as documented', () => {
  it('has a doc comment on every exported symbol of every entry point', () => {
    expect(undocumentedExports()).toEqual([]);
  });
});
