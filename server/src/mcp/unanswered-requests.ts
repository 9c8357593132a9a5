import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CancelledNotificationSchema, isJSONRPCErrorResponse, isJSONRPCRequest, isJSONRPCResultResponse, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/** The requests a transport has taken and not yet answered. */
export interface UnansweredRequests {
  /** Resolves once every request taken so far is answered, or after `graceMs`, whichever comes first. */
  answered(graceMs: number): Promise<void>;
}

/**
 * Counts the requests a connected transport takes and the answers it sends, so a server told to stop (a stdio
 * client ending its input right after its last request) answers what it was asked before it closes. Call after
 * `connect`, which installs the handlers it wraps.
 * @example
 * const unanswered = trackUnansweredRequests(transport);
 * process.stdin.once('end', () => void unanswered.answered(30_000).then(close));
 */
export function trackUnansweredRequests(transport: Transport): UnansweredRequests {
  const pending = new Set<RequestId>();
  const waiting = new Set<() => void>();
  const settle = (id: RequestId | undefined) => {
    if (id === undefined || !pending.delete(id) || pending.size > 0) return;
    for (const wake of waiting) wake();
  };
  const handle = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if (isJSONRPCRequest(message)) pending.add(message.id);
    const result = handle?.(message, extra);
    // The SDK sends nothing for a request its client cancelled.
    const cancelled = CancelledNotificationSchema.safeParse(message);
    if (cancelled.success) settle(cancelled.data.params.requestId);
    return result;
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    try {
      await send(message, options);
    } finally {
      if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) settle(message.id);
    }
  };
  return {
    answered(graceMs) {
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        };
        const timer = setTimeout(done, graceMs);
        timer.unref();
        waiting.add(done);
      });
    },
  };
}
