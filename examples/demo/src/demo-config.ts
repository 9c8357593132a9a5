import { useEffect, useState } from 'react';

/** What the demo server says about itself: `offline` when the emulator answers instead of OpenRouter. */
export interface DemoConfig {
  offline: boolean;
}

export function useDemoConfig(): DemoConfig | undefined {
  const [config, setConfig] = useState<DemoConfig>();
  useEffect(() => {
    const controller = new AbortController();
    fetch('/demo/config', { signal: controller.signal })
      .then((response) => (response.ok ? (response.json() as Promise<DemoConfig>) : undefined))
      .then((body) => body && setConfig(body))
      .catch(() => undefined);
    return () => controller.abort();
  }, []);
  return config;
}
