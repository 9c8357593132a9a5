// The protocol is the one definition the server and the client compile against: this test changes it the way a
// careless edit would, compiles the server and the client against the changed copy (in memory, the files on disk
// untouched), and expects each side to fail where it no longer agrees — and both to compile against the real one.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const protocolFile = (name: string) => path.join(repoRoot, 'packages/ai-protocol/src', name);

/** Where each side builds or reads the protocol's shapes: the programs start there and follow the imports. */
const SIDES = {
  server: { tsconfig: 'server/tsconfig.json', roots: ['server/src/routes/limits.ts', 'server/src/limits/quota-guard.ts', 'server/src/errors.ts', 'server/src/routes/conversations.ts', 'server/src/observability/operations-router.ts'] },
  client: {
    tsconfig: 'packages/ai-react/tsconfig.json',
    roots: [
      'packages/ai-react/src/core/errors.ts',
      'packages/ai-react/src/components/settings-dialog/limits-section.tsx',
      'packages/ai-react/src/testing/mock-gateway.ts',
      'packages/ai-react/src/core/storage/server-storage.ts',
      'packages/ai-react/src/core/chat-controller.ts',
      'packages/ai-react/src/admin/model-health.tsx',
      'packages/ai-react/src/admin/errors-table.tsx',
      // The mock's `?raw` imports, declared for the bundler.
      'packages/ai-react/src/testing/raw-imports.d.ts',
    ],
  },
} as const;

/** The source files each side has parsed, by name: a side's programs share its compiler options, hence its parses. */
const PARSED: Record<keyof typeof SIDES, Map<string, ts.SourceFile>> = { server: new Map(), client: new Map() };

/**
 * The files of `side` with an error when the protocol's files read as `edits` say (path → new text): of every file the
 * side compiles, or only of `among` (repository-relative paths), in that order. Checking only the files a test names
 * answers its question at a fraction of the cost: the checker then resolves just the types those files reach, instead
 * of checking both packages whole once per edit.
 */
function filesWithErrors(side: keyof typeof SIDES, edits: Record<string, string> = {}, among?: readonly string[]): string[] {
  const { tsconfig, roots } = SIDES[side];
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(repoRoot, tsconfig), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (diagnostic) => { throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')); } });
  if (!parsed) throw new Error(`${tsconfig} does not parse`);
  // One program over both packages' sources (no project references, no output): the protocol is read as source.
  const { rootDir: _rootDir, outDir: _outDir, ...compilerOptions } = parsed.options;
  const options: ts.CompilerOptions = { ...compilerOptions, composite: false, declaration: false, declarationMap: false, noEmit: true, incremental: false };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => edits[path.resolve(file)] ?? readFile(file);
  // Every file but the edited ones is parsed once per side and shared by that side's programs, as an editor's
  // language service shares them (each program still checks all of them).
  const getSourceFile = host.getSourceFile.bind(host);
  const sources = PARSED[side];
  host.getSourceFile = (file, languageVersion, onError, shouldCreate) => {
    if (edits[path.resolve(file)] !== undefined) return getSourceFile(file, languageVersion, onError, shouldCreate);
    let source = sources.get(file);
    if (!source) {
      source = getSourceFile(file, languageVersion, onError, shouldCreate);
      if (source) sources.set(file, source);
    }
    return source;
  };
  const program = ts.createProgram({ rootNames: roots.map((root) => path.join(repoRoot, root)), options, host });
  if (among) {
    // A file the program does not reach has no errors, as in the whole check.
    return among.filter((file) => {
      const source = program.getSourceFile(path.join(repoRoot, file));
      return source !== undefined && program.getSyntacticDiagnostics(source).length + program.getSemanticDiagnostics(source).length > 0;
    });
  }
  const diagnostics = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()];
  const files = new Set(diagnostics.map((diagnostic) => (diagnostic.file ? path.relative(repoRoot, diagnostic.file.fileName) : '(options)')));
  return [...files].sort();
}

/** Expects each of `files` (repository-relative) to have an error when `side` compiles against `edits`. */
function expectErrorsIn(side: keyof typeof SIDES, edits: Record<string, string>, files: string[]): void {
  // Each one is among those the first test compiles clean against the real protocol.
  expect(NAMED[side]).toEqual(expect.arrayContaining(files));
  expect(filesWithErrors(side, edits, files)).toEqual(files);
}

/** The protocol file with `from` replaced by `to`, as an edit (fails if `from` is not there, so the test cannot go stale). */
function edit(name: string, from: string, to: string): Record<string, string> {
  const file = protocolFile(name);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  return { [file]: text.replace(from, to) };
}

/**
 * The files the tests below expect to break, each side's: against the real protocol every one of them compiles, so
 * an error there is the edit's. (That the packages compile whole is `tsc -b`'s to say; checking only these files
 * answers this test's question at a fraction of the cost.)
 */
const NAMED: Record<keyof typeof SIDES, string[]> = {
  server: ['server/src/limits/quota-guard.ts', 'server/src/routes/conversations.ts', 'server/src/observability/model-performance.ts', 'server/src/observability/error-log.ts'],
  client: [
    'packages/ai-react/src/components/settings-dialog/limits-section.tsx',
    'packages/ai-react/src/testing/mock-project.ts',
    'packages/ai-react/src/core/errors.ts',
    'packages/ai-react/src/core/chat-controller.ts',
    'packages/ai-react/src/admin/model-health.tsx',
    'packages/ai-react/src/admin/errors-table.tsx',
  ],
};

describe('the protocol types', () => {
  it('compile with the server and the client as they are, in every file the edits below break', () => {
    expect(filesWithErrors('server', {}, NAMED.server)).toEqual([]);
    expect(filesWithErrors('client', {}, NAMED.client)).toEqual([]);
  }, 120_000);

  it('a field that changes type breaks the server where it builds it and the client where it reads it', () => {
    const changed = edit('limits.ts', '  used: number;', '  used: string;');
    expectErrorsIn('server', changed, ['server/src/limits/quota-guard.ts']);
    expectErrorsIn('client', changed, ['packages/ai-react/src/components/settings-dialog/limits-section.tsx', 'packages/ai-react/src/testing/mock-project.ts']);
  }, 120_000);

  it('a new error code breaks the client until its error map says what the code means', () => {
    const changed = edit('errors.ts', "  'internal_error',\n] as const;", "  'internal_error',\n  'payment_required',\n] as const;");
    expectErrorsIn('client', changed, ['packages/ai-react/src/core/errors.ts']);
  }, 120_000);

  it('a limit kind the server counts but the protocol drops breaks the server', () => {
    const changed = edit('limits.ts', " | 'concurrentRequests'", '');
    expectErrorsIn('server', changed, ['server/src/limits/quota-guard.ts']);
  }, 120_000);

  it("a conversation's field that changes type breaks the route that answers it and the client that sends it", () => {
    const answered = edit('conversations.ts', '  updatedAt: string;\n  messageCount: number;', '  updatedAt: string;\n  messageCount: string;');
    expectErrorsIn('server', answered, ['server/src/routes/conversations.ts']);
    // A save's order the server would no longer take (its schema checks a number).
    const sent = edit('conversations.ts', '  sequence: number;', '  sequence: string;');
    expectErrorsIn('server', sent, ['server/src/routes/conversations.ts']);
    // The chat numbers its writes; the storages pass the order through as the protocol types it.
    expectErrorsIn('client', sent, ['packages/ai-react/src/core/chat-controller.ts']);
  }, 120_000);

  it("a model's figure or an error's class that changes breaks the report that builds it and the admin widget that shows it", () => {
    const figure = edit('operations.ts', '  costPerRequestUsd: number | null;', '  costPerRequestUsd: string | null;');
    expectErrorsIn('server', figure, ['server/src/observability/model-performance.ts']);
    expectErrorsIn('client', figure, ['packages/ai-react/src/admin/model-health.tsx']);
    // A class the error log files entries under that the wire no longer has.
    const errorClass = edit('operations.ts', " | 'rate_limit'", '');
    expectErrorsIn('server', errorClass, ['server/src/observability/error-log.ts']);
    expectErrorsIn('client', errorClass, ['packages/ai-react/src/admin/errors-table.tsx']);
  }, 120_000);
});
