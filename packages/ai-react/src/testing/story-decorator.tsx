// The decorator every story runs in (see .storybook/preview.ts): a fresh mock gateway per story, behind an
// AiProvider, inside an AiRoot in the story's theme. Stories choose the gateway's behaviour and the theme with
// parameters, so no story needs a server, a key, or a provider of its own.
import type { Decorator } from '@storybook/react-vite';
import { useEffect, useMemo, type ReactNode } from 'react';
import { AiRoot, type AiTheme } from '../primitives/ai-root.js';
import { AiProvider } from '../react/ai-provider.js';
import { mockClient, type MockGatewayOptions } from './mock-gateway.js';

/** Story `parameters` this decorator reads. */
export interface StoryGatewayParameters {
  /** The mock gateway's options: `{ scenario: 'rate-limited' }`, `{ pacing: { ttftMs: 0 } }`, `{ role: 'user' }`… */
  gateway?: MockGatewayOptions;
  /** The story's theme when the toolbar (or `&globals=theme:dark`) does not choose one; default light. */
  theme?: 'light' | 'dark';
}

/** The theme a story renders in: the `theme` global when set, else `parameters.theme`, else light. */
export function storyTheme(globals: Record<string, unknown>, parameters: StoryGatewayParameters): 'light' | 'dark' {
  const chosen = globals['theme'];
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return parameters.theme === 'dark' ? 'dark' : 'light';
}

interface GatewayFrameProps {
  storyId: string;
  gateway: MockGatewayOptions;
  theme: 'light' | 'dark';
  children: ReactNode;
}

/** One mock client per story (and per change of its gateway options), never shared between stories. */
export function GatewayFrame({ storyId, gateway, theme, children }: GatewayFrameProps): ReactNode {
  // Options are plain data plus, at most, callbacks: the serialised form says when they really changed.
  const key = `${storyId}\u0000${JSON.stringify(gateway, (_name, value: unknown) => (typeof value === 'function' || value === Infinity ? String(value) : value))}`;
  // `key` stands for `gateway`: a new options object with the same contents keeps the client (and its state).
  const client = useMemo(() => mockClient(gateway), [key]);
  useEffect(() => {
    // Read by the browser tests (to match prefers-color-scheme) and by page-level styles.
    document.documentElement.dataset['storyTheme'] = theme;
    document.documentElement.style.colorScheme = theme;
    document.body.style.background = theme === 'dark' ? '#14171c' : '#ffffff';
  }, [theme]);
  return (
    <AiProvider client={client}>
      <AiRoot theme={theme as AiTheme} data-story-root="" style={{ background: 'var(--ia-bg)', minHeight: '100vh', padding: 16, boxSizing: 'border-box' }}>
        {children}
      </AiRoot>
    </AiProvider>
  );
}

/**
 * Every story runs against its own in-browser mock gateway (`parameters.gateway`, the options of
 * `createMockGatewayFetch`) inside an AiRoot in the story's theme (`globals.theme`, else `parameters.theme`).
 * A story whose component is set gets the theme as its `theme` arg too, unless it sets one itself, so the
 * component's own root (and a dialog's portal) matches the page.
 *
 * @example
 * // .storybook/preview.ts
 * const preview: Preview = { decorators: [withMockGateway] };
 */
export const withMockGateway: Decorator = (Story, context) => {
  const parameters = context.parameters as StoryGatewayParameters;
  const theme = storyTheme(context.globals, parameters);
  const passTheme = context.component !== undefined && context.args['theme'] === undefined;
  return (
    <GatewayFrame storyId={context.id} gateway={parameters.gateway ?? {}} theme={theme}>
      {Story(passTheme ? { args: { ...context.args, theme } } : undefined)}
    </GatewayFrame>
  );
};
