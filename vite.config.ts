import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { workspaceAliases } from './scripts/workspace-aliases.mjs';

const sourceOf = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Workspace packages (and their subpath exports) resolve to their sources in tests, so a test never runs against a
// stale build.
const alias = workspaceAliases;

/**
 * The files that take a minute or more (a clean CI run: 50–120 s each), longest first. Vitest runs projects one after
 * another in name order, so these came last and ran with little beside them; started first, the short files run
 * beside them.
 */
const LONGEST_FIRST = [
  'examples/consumers/consumers.test.ts',
  'examples/readme/readme-examples.test.ts',
  'packages/ai-react/test/browser/stories.browser.test.ts',
  'examples/demo/e2e/demo.e2e.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((file) => spec.moduleId.replaceAll('\\', '/').endsWith(file));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    return sorted.map((spec, order) => ({ spec, order })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.order - b.order).map(({ spec }) => spec);
  }
}

/**
 * `expect.poll` in the projects that drive Chromium, servers and child processes: vitest's default deadline is 1 s,
 * which a page waiting on a gateway and an emulator misses on a loaded 2-core CI machine (an image generated in a
 * README example did). A poll still fails when what it waits for never happens.
 */
const BROWSER_EXPECT = { poll: { timeout: 15_000, interval: 50 } };

/** The jsdom tests of the React library. */
const REACT_DOM_TESTS = ['src/react/**/*.test.ts', 'src/react/**/*.test.tsx', 'src/components/**/*.test.ts', 'src/components/**/*.test.tsx', 'src/markdown/**/*.test.ts', 'src/markdown/**/*.test.tsx', 'src/admin/**/*.test.ts', 'src/admin/**/*.test.tsx', 'src/primitives/**/*.test.tsx', 'src/icons/**/*.test.tsx'];
/** Of those, the files that replace a module with `vi.mock`. */
const MOCKING_MODULES = ['src/markdown/markdown.test.tsx', 'src/markdown/markdown-streaming.test.tsx'];

export default defineConfig({
  resolve: { alias },
  test: {
    // Three test files at a time, also on a 2-core machine (vitest's default there is one): most files wait on sockets,
    // child processes, Chromium and the registry as much as they compute. With two, a clean CI run kept 1.9 files busy
    // on average and took 577 s; with three, 2.6 and 522 s, with a hundred tests more. `--maxWorkers=1` runs them one
    // by one.
    maxWorkers: 3,
    // Where `isolate: false` is set below, the files of a project share their worker's modules instead of each
    // importing its graph again in a fresh one (that import was a third of the unit projects' time). It holds because
    // no such file replaces a module (`vi.mock`: those run in a project of their own), and the files that stub a
    // global or listen on `process` undo it after their test.
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'openrouter-emulator',
          root: sourceOf('./packages/openrouter-emulator'),
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
          isolate: false,
          testTimeout: 20_000,
        },
      },
      {
        // The wire's one definition: compiled with the server and the client, and changed to see both fail.
        test: {
          name: 'ai-protocol',
          root: sourceOf('./packages/ai-protocol'),
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
          isolate: false,
        },
      },
      {
        // The repository's own tooling: the lint rule that keeps packages apart.
        test: {
          name: 'repository',
          root: sourceOf('./scripts'),
          include: ['**/*.test.mjs'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'ai-server',
          root: sourceOf('./server'),
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['src/**/*-memory.test.ts'],
          environment: 'node',
          isolate: false,
          testTimeout: 20_000,
          passWithNoTests: true,
        },
      },
      {
        // What a test measures of its process's memory (Buffers count process-wide) must not count the servers and
        // timers that the files run before it in a shared worker leave behind: each such file has a process of its own.
        resolve: { alias },
        test: {
          name: 'ai-server-memory',
          root: sourceOf('./server'),
          include: ['src/**/*-memory.test.ts'],
          environment: 'node',
          isolate: true,
          testTimeout: 20_000,
        },
      },
      {
        // The framework-free core runs in Node, without a DOM, as a server-side renderer or a worker would.
        resolve: { alias },
        test: {
          name: 'ai-react-core',
          root: sourceOf('./packages/ai-react'),
          include: ['src/core/**/*.test.ts', 'src/testing/**/*.test.ts'],
          environment: 'node',
          isolate: false,
          testTimeout: 20_000,
          passWithNoTests: true,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'ai-react-dom',
          root: sourceOf('./packages/ai-react'),
          include: REACT_DOM_TESTS,
          // Real-browser tests belong to ai-react-browser, wherever they sit; files that mock a module run isolated.
          exclude: [...configDefaults.exclude, '**/*.browser.test.ts', '**/*.browser.test.tsx', ...MOCKING_MODULES],
          environment: 'jsdom',
          setupFiles: ['test/dom-setup.ts'],
          isolate: false,
          testTimeout: 20_000,
          passWithNoTests: true,
        },
      },
      {
        // The DOM tests that replace a module (`vi.mock`): the mock must be in place before anything imports it, so
        // these files do not share a worker's modules with the others.
        resolve: { alias },
        test: {
          name: 'ai-react-dom-isolated',
          root: sourceOf('./packages/ai-react'),
          include: MOCKING_MODULES,
          environment: 'jsdom',
          setupFiles: ['test/dom-setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        // Real Chromium against the static Storybook: axe on every story, hostile output, component flows.
        // The global setup builds storybook-static when its sources changed, serves it and starts one browser.
        resolve: { alias },
        test: {
          name: 'ai-react-browser',
          root: sourceOf('./packages/ai-react'),
          include: ['test/browser/**/*.browser.test.ts', 'src/**/*.browser.test.ts'],
          environment: 'node',
          globalSetup: ['test/browser/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 30_000,
          expect: BROWSER_EXPECT,
          maxConcurrency: 4,
        },
      },
      {
        // Every code example of the README, run as written against the emulator (see the file's header).
        resolve: { alias },
        test: {
          name: 'readme-examples',
          root: sourceOf('./examples/readme'),
          include: ['*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          expect: BROWSER_EXPECT,
        },
      },
      {
        // The packed packages installed into fresh Vite, Express 4/5 and Next.js apps from the registry, built and run.
        resolve: { alias },
        test: {
          name: 'consumers',
          root: sourceOf('./examples/consumers'),
          include: ['*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 600_000,
          expect: BROWSER_EXPECT,
        },
      },
      {
        // The demo started the way the README starts it (`npm start`), driven in Chromium step by step.
        test: {
          name: 'demo-e2e',
          root: sourceOf('./examples/demo'),
          include: ['e2e/**/*.e2e.test.ts'],
          environment: 'node',
          globalSetup: ['e2e/global-setup.ts'],
          testTimeout: 90_000,
          hookTimeout: 30_000,
          expect: BROWSER_EXPECT,
        },
      },
    ],
  },
});
