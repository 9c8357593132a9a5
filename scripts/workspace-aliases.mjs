// In tests and Storybook, the workspace packages (and their subpath exports) resolve to their sources, so nothing
// runs against a stale build. Each entry mirrors one `exports` entry of a package.json.
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Vite's `resolve.alias` for the workspace: exact package names and subpaths, never a prefix of another name. */
export const workspaceAliases = [
  { find: /^@insforge\/ai-protocol$/, replacement: `${root}packages/ai-protocol/src/index.ts` },
  { find: /^@insforge\/openrouter-emulator$/, replacement: `${root}packages/openrouter-emulator/src/index.ts` },
  { find: /^@insforge\/openrouter-emulator\/content$/, replacement: `${root}packages/openrouter-emulator/src/content/index.ts` },
  { find: /^@insforge\/openrouter-emulator\/catalog$/, replacement: `${root}packages/openrouter-emulator/src/catalog/browser.ts` },
  { find: /^@insforge\/openrouter-emulator\/data\/(.+)$/, replacement: `${root}packages/openrouter-emulator/data/$1` },
  { find: /^@insforge\/ai-server$/, replacement: `${root}server/src/index.ts` },
  { find: /^@insforge\/ai-server\/testing$/, replacement: `${root}server/src/testing/index.ts` },
  { find: /^@insforge\/ai-react$/, replacement: `${root}packages/ai-react/src/index.ts` },
];
