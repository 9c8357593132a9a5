// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AiProvider } from './ai-provider.js';
import { useChat } from './use-chat.js';
import { useModels } from './use-models.js';
import { useLimits } from './use-limits.js';

describe('AiProvider on a server', () => {
  it('renders without a window, and sends no request while rendering', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const requests: string[] = [];
    const recordingFetch: typeof fetch = async (input) => {
      requests.push(String(input));
      throw new Error('no request is expected while rendering');
    };
    function Chat() {
      const chat = useChat({ feature: 'chat' });
      const { status } = useModels();
      const limits = useLimits();
      return (
        <p data-status={chat.status}>
          {chat.messages.length} messages, models {status}, limits {limits.status}
        </p>
      );
    }
    const html = renderToString(
      <AiProvider baseUrl="/ai" fetch={recordingFetch}>
        <Chat />
      </AiProvider>,
    );
    expect(html).toBe('<p data-status="ready">0<!-- --> messages, models <!-- -->idle<!-- -->, limits <!-- -->idle</p>');
    expect(requests).toEqual([]);
  });
});
