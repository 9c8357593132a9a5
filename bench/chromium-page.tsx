/**
 * The page bench/chromium.ts opens in Chromium: ChatPanel talking to our gateway, inside a React `<Profiler>` that
 * counts commits. The benchmark drives the page with Playwright and reads its probes through `window.chatBench`:
 * commits and frames while an answer streams, and keystroke-to-paint latency while typing. With `view: 'models'` the
 * page is a ModelPicker over the gateway's whole catalog instead, typed into the same way. Bundled for the browser
 * with React's profiling build (a production build whose `<Profiler>` still reports).
 */
import { Profiler, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { AiProvider, ChatPanel, memoryStorage, ModelPicker, useModels, type AssistantMessage } from '../packages/ai-react/src/index.ts';
import { sampleConversation } from '../packages/ai-react/src/components/chat-panel/sample-conversation.ts';

/** What bench/chromium.ts puts in the page before its script runs. */
export interface ChatBenchConfig {
  /** Where the gateway is mounted, e.g. `http://127.0.0.1:4000/ai`. */
  baseUrl: string;
  headers: Record<string, string>;
  /** How many messages the conversation starts with (sampleConversation). */
  messages: number;
  /** ChatPanel (the default), or a ModelPicker over the admin catalog (`headers` then carry an admin's credentials). */
  view?: 'chat' | 'models';
}

export interface StreamProbe {
  /** Profiler commits from pressing Enter to the answer's last commit. */
  commits: number;
  /** Of those, commits of an update scheduled during a commit (a layout effect setting state): React's `nested-update`. */
  nestedUpdates: number;
  /** Animation frames meanwhile. */
  frames: number;
  durationMs: number;
  status: AssistantMessage['status'];
  /** Content deltas the client received: one per streamed token. */
  deltas: number;
}

export interface TypingProbe {
  keystrokes: number;
  /** Per keydown: from the event's timestamp to the first task after the next frame (the paint), in ms. */
  latenciesMs: number[];
  commits: number;
  /** Event Timing entries of 16 ms or more (the API reports nothing shorter), keyboard and input events. */
  slowEvents: Array<{ name: string; durationMs: number; interactionId: number }>;
}

export interface ChatBench {
  /** Resolves once the panel's first commit was painted (the picker's: once its catalog is loaded), with the time from the script's start. */
  mounted: Promise<{ mountMs: number }>;
  /** The picker's models, once loaded; 0 for ChatPanel. */
  models(): number;
  /** Starts counting; call right before sending a message. */
  startStream(): void;
  /** Resolves when the answer finished (or failed) and its last commit is painted. */
  streamDone(): Promise<StreamProbe>;
  startTyping(): void;
  stopTyping(): TypingProbe;
}

declare global {
  interface Window {
    chatBenchConfig: ChatBenchConfig;
    chatBench: ChatBench;
  }
}

const scriptStartedAt = performance.now();
const config = window.chatBenchConfig;
let commits = 0;
let nestedUpdates = 0;
const afterNextPaint = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

let resolveMounted: (value: { mountMs: number }) => void = () => undefined;
const mounted = new Promise<{ mountMs: number }>((resolve) => (resolveMounted = resolve));

let modelCount = 0;
let finished: ((answer: AssistantMessage | undefined) => void) | undefined;
let stream: { commits: number; nestedUpdates: number; startedAt: number; frames: number; answer: Promise<AssistantMessage | undefined> } | undefined;

const paintedOnce = () => void afterNextPaint().then(() => resolveMounted({ mountMs: performance.now() - scriptStartedAt }));

/** The catalog as the picker reads it, so the page knows when it is loaded (the provider shares one request). */
function CatalogReady() {
  const { models, status } = useModels({ source: 'catalog' });
  if (status === 'ready' && modelCount === 0) {
    modelCount = models.length;
    paintedOnce();
  }
  return null;
}

function Picker() {
  return (
    <AiProvider baseUrl={config.baseUrl} headers={config.headers}>
      <Profiler id="model-picker" onRender={() => (commits += 1)}>
        <CatalogReady />
        <ModelPicker source="catalog" />
      </Profiler>
    </AiProvider>
  );
}

function App() {
  // Read once: the conversation is built before the first render, as an app restoring a chat would.
  const [initialMessages] = useState(() => sampleConversation(config.messages));
  const [storage] = useState(() => memoryStorage());
  return (
    <AiProvider baseUrl={config.baseUrl} headers={config.headers} storage={storage}>
      <Profiler
        id="chat-panel"
        onRender={(_id, phase) => {
          commits += 1;
          if (phase === 'nested-update') nestedUpdates += 1;
          if (phase === 'mount') paintedOnce();
        }}
      >
        <ChatPanel
          feature="chat"
          initialMessages={initialMessages}
          style={{ height: '100vh' }}
          onFinish={(answer) => finished?.(answer)}
          onError={() => finished?.(undefined)}
        />
      </Profiler>
    </AiProvider>
  );
}

function countFrames(probe: { frames: number }, until: Promise<unknown>): void {
  let done = false;
  void until.then(() => (done = true));
  const tick = () => {
    if (done) return;
    probe.frames += 1;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

let typing: { commits: number; latenciesMs: number[]; slowEvents: TypingProbe['slowEvents']; observer: PerformanceObserver; onKeyDown: (event: KeyboardEvent) => void } | undefined;
const TYPING_EVENTS = new Set(['keydown', 'keypress', 'keyup', 'beforeinput', 'input']);

window.chatBench = {
  mounted,
  models: () => modelCount,
  startStream() {
    const answer = new Promise<AssistantMessage | undefined>((resolve) => (finished = resolve));
    stream = { commits, nestedUpdates, startedAt: performance.now(), frames: 0, answer };
    countFrames(stream, answer);
  },
  async streamDone() {
    const current = stream;
    if (!current) throw new Error('startStream() was not called');
    const answer = await current.answer;
    // The answer's last delta may still be waiting for its frame: let it commit and paint.
    await afterNextPaint();
    await afterNextPaint();
    return {
      commits: commits - current.commits,
      nestedUpdates: nestedUpdates - current.nestedUpdates,
      frames: current.frames,
      durationMs: performance.now() - current.startedAt,
      status: answer?.status ?? 'error',
      deltas: answer?.timing.deltas ?? 0,
    };
  },
  startTyping() {
    const latenciesMs: number[] = [];
    const slowEvents: TypingProbe['slowEvents'] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as PerformanceEventTiming[]) {
        if (TYPING_EVENTS.has(entry.name)) slowEvents.push({ name: entry.name, durationMs: entry.duration, interactionId: entry.interactionId });
      }
    });
    observer.observe({ type: 'event', durationThreshold: 16 } as PerformanceObserverInit);
    // The event's timestamp is when the browser received the key, so time spent queued behind other work counts.
    const onKeyDown = (event: KeyboardEvent) => {
      const receivedAt = event.timeStamp;
      requestAnimationFrame(() => setTimeout(() => latenciesMs.push(performance.now() - receivedAt), 0));
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    typing = { commits, latenciesMs, slowEvents, observer, onKeyDown };
  },
  stopTyping() {
    const current = typing;
    if (!current) throw new Error('startTyping() was not called');
    for (const entry of current.observer.takeRecords() as PerformanceEventTiming[]) {
      if (TYPING_EVENTS.has(entry.name)) current.slowEvents.push({ name: entry.name, durationMs: entry.duration, interactionId: entry.interactionId });
    }
    current.observer.disconnect();
    window.removeEventListener('keydown', current.onKeyDown, { capture: true });
    typing = undefined;
    return { keystrokes: current.latenciesMs.length, latenciesMs: current.latenciesMs, commits: commits - current.commits, slowEvents: current.slowEvents };
  },
};

const container = document.getElementById('root');
if (!container) throw new Error('the page has no #root');
createRoot(container).render(config.view === 'models' ? <Picker /> : <App />);
