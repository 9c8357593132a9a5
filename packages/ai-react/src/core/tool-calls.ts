import type { ToolDefinition } from './chat-types.js';
import type { AssistantMessagePart, ChatTool, ChatTools, JsonSchema, MessageToolPart, SchemaLike } from './message-parts.js';
import { isRecord } from './json-records.js';

type Parts = readonly AssistantMessagePart[];

/**
 * A tool's parameters as JSON Schema: a schema object as given, or one a validation library describes (zod 4's
 * `toJSONSchema()`, or the Standard JSON Schema interface), without depending on that library. The `$schema`
 * keyword is left out: it names a draft, which a tool's parameters do not need and some providers refuse.
 *
 * @example
 * jsonSchemaOf(z.object({ city: z.string() })); // { type: 'object', properties: { city: { type: 'string' } }, … }
 */
export function jsonSchemaOf(parameters: JsonSchema | SchemaLike): JsonSchema {
  // Read as untyped: hosts pass schemas from libraries this package does not know.
  const given: unknown = parameters;
  if (!isRecord(given)) throw new TypeError("A tool's parameters must be a JSON Schema object, or a schema that describes itself as one (zod 4).");
  let schema: unknown = given;
  const standard = given['~standard'];
  if (typeof given['toJSONSchema'] === 'function') schema = (given as { toJSONSchema(): unknown }).toJSONSchema();
  else if (isRecord(standard)) {
    const jsonSchema = standard['jsonSchema'];
    if (!isRecord(jsonSchema) || typeof jsonSchema['input'] !== 'function') throw new TypeError('This schema cannot describe itself as JSON Schema: pass a JSON Schema object, or a zod 4 schema.');
    schema = (jsonSchema['input'] as (options: { target: string }) => unknown)({ target: 'draft-07' });
  }
  if (!isRecord(schema)) throw new TypeError('The schema described itself as something other than a JSON Schema object.');
  const { $schema: _draft, ...rest } = schema;
  return rest;
}

/**
 * The `tools` of a request for the tools the browser offers; a tool whose parameters are not a schema fails here,
 * named, before anything is sent.
 *
 * @example
 * request.tools = toolDefinitions({ convert: { description: 'Converts units', parameters: schema, execute } });
 */
export function toolDefinitions(tools: ChatTools): ToolDefinition[] {
  return Object.entries(tools).map(([name, tool]) => {
    let parameters: JsonSchema;
    try {
      parameters = jsonSchemaOf(tool.parameters);
    } catch (error) {
      throw new TypeError(`The tool "${name}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return { type: 'function', function: { name, ...(tool.description ? { description: tool.description } : {}), parameters } };
  });
}

/** Where the current step starts: parts after the last `step-start` belong to the latest model call. */
const currentStepStart = (parts: Parts) => parts.findLastIndex((part) => part.type === 'step-start') + 1;

/** The client tool calls of the latest step (server tools ran upstream and are not the browser's). */
export function currentToolCalls(parts: Parts): MessageToolPart[] {
  const from = currentStepStart(parts);
  return parts.filter((part, position): part is MessageToolPart => position >= from && part.type === 'tool-call' && !part.server);
}

/** Whether every client tool call of the latest step has a result, an error or a denial: the model can go on. */
export function stepAnswered(parts: Parts): boolean {
  const calls = currentToolCalls(parts);
  return calls.length > 0 && calls.every((call) => call.state === 'output-available' || call.state === 'output-error' || call.state === 'denied');
}

/** The parts with one tool call changed. */
export function updateToolCall(parts: Parts, toolCallId: string, change: Partial<MessageToolPart>): Parts {
  return parts.map((part) => (part.type === 'tool-call' && part.toolCallId === toolCallId ? { ...part, ...change } : part));
}

/** The arguments of a call, parsed; an error text when they are not a JSON object. */
export function toolInputOf(call: MessageToolPart): { input: unknown } | { errorText: string } {
  try {
    const input: unknown = call.input.trim() === '' ? {} : JSON.parse(call.input);
    return isRecord(input) ? { input } : { errorText: `The arguments of ${call.name} must be a JSON object.` };
  } catch {
    return { errorText: `The arguments of ${call.name} are not valid JSON.` };
  }
}

/**
 * What happens next to each complete call of the latest step: an unknown tool or bad arguments become an error the
 * model reads; a tool that needs approval waits for the user; the others are ready to run (or to be answered by the
 * app when they have no `execute`).
 */
export function triageToolCalls(parts: Parts, tools: ChatTools): { parts: Parts; ready: MessageToolPart[] } {
  let next = parts;
  const ready: MessageToolPart[] = [];
  for (const call of currentToolCalls(parts)) {
    if (call.state !== 'input-available') continue;
    const tool: ChatTool<never> | undefined = Object.hasOwn(tools, call.name) ? tools[call.name] : undefined;
    if (!tool) {
      next = updateToolCall(next, call.toolCallId, { state: 'output-error', errorText: `There is no tool named "${call.name}".` });
      continue;
    }
    const parsed = toolInputOf(call);
    if ('errorText' in parsed) {
      next = updateToolCall(next, call.toolCallId, { state: 'output-error', errorText: parsed.errorText });
      continue;
    }
    const approval = typeof tool.needsApproval === 'function' ? tool.needsApproval(parsed.input as never) : tool.needsApproval === true;
    if (approval) next = updateToolCall(next, call.toolCallId, { state: 'awaiting-approval' });
    else ready.push(call);
  }
  return { parts: next, ready };
}

/**
 * Runs one client tool: its result, or the error it threw (in words the model reads). Resolves, never rejects.
 *
 * @example
 * const change = await executeToolCall(tools.convert, call, signal);
 */
export async function executeToolCall(tool: ChatTool<never> | undefined, call: MessageToolPart, signal: AbortSignal): Promise<Partial<MessageToolPart>> {
  if (!tool?.execute) return {};
  const parsed = toolInputOf(call);
  if ('errorText' in parsed) return { state: 'output-error', errorText: parsed.errorText };
  try {
    const output = await tool.execute(parsed.input as never, { toolCallId: call.toolCallId, signal });
    return { state: 'output-available', output: output === undefined ? null : output };
  } catch (error) {
    return { state: 'output-error', errorText: error instanceof Error ? error.message : String(error) };
  }
}
