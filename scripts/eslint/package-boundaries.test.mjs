import { Linter } from 'eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import boundaries from './package-boundaries.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const linter = new Linter({ configType: 'flat' });
const config = [{ files: ['**/*.ts'], plugins: { insforge: boundaries }, rules: { 'insforge/package-boundaries': 'error' } }];

/** The rule's messages for `code` as if it were the file at `file` (relative to the repository). */
const lint = (file, code) => linter.verify(code, config, { filename: path.join(repo, file) }).map((message) => message.message);

describe('the package-boundaries lint rule', () => {
  it('refuses a relative import into another package, naming the way out', () => {
    const [message] = lint('packages/ai-react/src/core/client.test.ts', "import { startHarness } from '../../../../server/test/harness.js';");
    expect(message).toContain('leaves its package (ai-react) for ../../server/test/harness.js');
    expect(message).toContain('import that package by name');
    expect(lint('packages/ai-react/src/x.ts', "export * from '../../openrouter-emulator/src/content/hash.js';")).toHaveLength(1);
    expect(lint('packages/ai-react/src/x.ts', "const data = await import('../../openrouter-emulator/data/extra-models.json?raw');")).toHaveLength(1);
  });

  it('lets a package import its own files, another package by name, and the repository’s tooling', () => {
    expect(lint('packages/ai-react/src/core/client.test.ts', "import { createAiClient } from './client.js';\nimport { hashString } from '@insforge/openrouter-emulator/content';")).toEqual([]);
    expect(lint('server/test/private-postgres.ts', "import { spawnProcess } from '../../scripts/processes.mjs';")).toEqual([]);
  });
});
