import type { StorybookConfig } from '@storybook/react-vite';
import { workspaceAliases } from '../scripts/workspace-aliases.mjs';

const config: StorybookConfig = {
  stories: ['../packages/ai-react/src/**/*.stories.@(ts|tsx)'],
  framework: { name: '@storybook/react-vite', options: {} },
  core: { disableTelemetry: true },
  viteFinal(config) {
    // The mock gateway is built from the emulator's content: its subpath exports resolve to their sources, as in tests.
    const existing = config.resolve?.alias;
    const aliases = Array.isArray(existing) ? existing : Object.entries(existing ?? {}).map(([find, replacement]) => ({ find, replacement: String(replacement) }));
    config.resolve = { ...config.resolve, alias: [...workspaceAliases, ...aliases] };
    const build = (config.build ??= {});
    // The mock gateway inlines the 0.5 MB model catalog: a large chunk is expected in a static Storybook.
    build.chunkSizeWarningLimit = 2_000;
    build.rolldownOptions = {
      ...build.rolldownOptions,
      // Only the slow-plugin report, not a problem of ours: the build prints it whenever docgen is busy.
      checks: { ...build.rolldownOptions?.checks, pluginTimings: false },
      onwarn(warning, warn) {
        // Our entry files say 'use client' for React Server Components; a bundle for the browser drops it on purpose.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && warning.message.includes('use client')) return;
        warn(warning);
      },
    };
    return config;
  },
};

export default config;
