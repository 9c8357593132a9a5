import { cleanup, render, screen } from '@testing-library/react';
import axe from 'axe-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveTestSection } from './live-test-section.js';
import { slotClassNames, SettingsDialogContextProvider } from './settings-dialog-context.js';
import { defaultSettingsDialogLabels } from './settings-dialog-labels.js';

afterEach(() => cleanup());

const answer = 'Here is **the plan**:\n\n- run `npm start`\n- open [the docs](https://example.com)\n\n```js\nconsole.log(1)\n```';

function renderSection() {
  render(
    <SettingsDialogContextProvider value={{ labels: defaultSettingsDialogLabels, theme: 'light', unstyled: false, className: slotClassNames(false, undefined) }}>
      <LiveTestSection
        state={{ status: 'done', result: { feature: 'chat', answer, model: 'openai/gpt-4o-mini', provider: 'OpenAI', usage: { promptTokens: 12, completionTokens: 30, totalTokens: 42 }, costUsd: 0.0001, latencyMs: 420, finishReason: 'stop' } }}
        blocked={false}
        onRun={vi.fn()}
      />
    </SettingsDialogContextProvider>,
  );
}

describe('LiveTestSection', () => {
  it('renders the answer as markdown (emphasis, lists, code, safe links), not as raw markdown text', async () => {
    renderSection();
    const shown = document.querySelector('.ia-settings__answer')!;
    expect(shown.querySelector('strong')?.textContent).toBe('the plan');
    expect([...shown.querySelectorAll('li')].map((item) => item.textContent)).toEqual(['run npm start', 'open the docs']);
    expect(screen.getByRole('link', { name: 'the docs' }).getAttribute('rel')).toContain('noopener');
    expect(shown.querySelector('pre')?.textContent).toContain('console.log(1)');
    expect(shown.textContent).not.toContain('**');
    expect(shown.textContent).not.toContain('```');
    const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
    expect(results.violations.map((violation) => violation.id)).toEqual([]);
  });
});
