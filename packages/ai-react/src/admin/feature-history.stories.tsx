import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useState, type ReactNode } from 'react';
import type { AiClient } from '../core/client.js';
import { useAiContext } from '../react/ai-provider.js';
import { FeatureHistory, type FeatureHistoryProps } from './feature-history.js';

// Once per mock client (each story has its own): effects run twice in development, the edits must not.
const edited = new WeakMap<AiClient, Promise<unknown>>();

async function editTwice(client: AiClient, feature: string) {
  const first = await client.features.get(feature);
  const second = await client.features.update(feature, { version: first.version, params: { ...first.params, temperature: 0.9 } });
  await client.features.update(feature, { version: second.version, model: 'anthropic/claude-sonnet-4', systemPrompt: 'You are the friendly assistant of Acme. Answer in at most three sentences.' });
}

/** Saves two edits of the feature on the story's mock gateway, then shows its history. */
function WithEdits(props: FeatureHistoryProps): ReactNode {
  const { client } = useAiContext('WithEdits');
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let live = true;
    if (!edited.has(client)) edited.set(client, editTwice(client, props.feature));
    void edited.get(client)?.then(() => live && setReady(true));
    return () => {
      live = false;
    };
  }, [client, props.feature]);
  return ready ? <FeatureHistory {...props} /> : null;
}

const meta = {
  title: 'FeatureHistory',
  component: FeatureHistory,
  args: { feature: 'chat' },
  render: (args) => <WithEdits {...args} />,
  parameters: {
    docs: { description: { component: "Every saved version of a feature's configuration, what changed, and Restore." } },
  },
} satisfies Meta<typeof FeatureHistory>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Three versions: created, then a temperature change, then a new model and prompt. */
export const ThreeVersions: Story = {};

/** A feature saved once. */
export const FirstVersion: Story = { args: { feature: 'code' }, render: (args) => <FeatureHistory {...args} /> };

/** The dark theme. */
export const Dark: Story = { parameters: { theme: 'dark' } };
