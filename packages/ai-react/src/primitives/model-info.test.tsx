import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createAssistantMessage } from '../core/chat-messages.js';
import { ModelInfo } from './model-info.js';

describe('ModelInfo', () => {
  it('describes an answer it is given outside any thread (a summary page), with the default labels', async () => {
    const answer = { ...createAssistantMessage('a1', 1_000), status: 'done' as const, content: 'Done.', model: 'google/gemini-2.5-flash', provider: 'Google' };
    render(<ModelInfo answer={answer} />);
    const button = screen.getByRole('button', { name: 'Model info' });
    await userEvent.setup().hover(button);
    expect(await screen.findByText('google/gemini-2.5-flash')).toBeTruthy();
    expect(screen.getByText('Google')).toBeTruthy();
  });
});
