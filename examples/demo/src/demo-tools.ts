import type { ChatTools } from '@insforge/ai-react';

/** Units the converter knows, each as a factor to a base unit of its kind (temperatures are converted apart). */
const UNITS: Record<string, { kind: string; toBase: number }> = {
  km: { kind: 'length', toBase: 1_000 },
  mi: { kind: 'length', toBase: 1_609.344 },
  m: { kind: 'length', toBase: 1 },
  ft: { kind: 'length', toBase: 0.3048 },
  kg: { kind: 'mass', toBase: 1 },
  lb: { kind: 'mass', toBase: 0.453_592_37 },
  l: { kind: 'volume', toBase: 1 },
  gal: { kind: 'volume', toBase: 3.785_411_784 },
};
const TEMPERATURES = ['C', 'F'];

interface Conversion {
  value: number;
  from: string;
  to: string;
}

/** Converts between units of one kind; throws (the model reads the message) for units of different kinds. */
export function convertUnits({ value, from, to }: Conversion): { value: number; from: string; to: string; result: number } {
  if (!Number.isFinite(value)) throw new Error('value must be a number.');
  let result: number;
  if (TEMPERATURES.includes(from) && TEMPERATURES.includes(to)) result = from === to ? value : from === 'C' ? (value * 9) / 5 + 32 : ((value - 32) * 5) / 9;
  else {
    const source = UNITS[from];
    const target = UNITS[to];
    if (!source || !target) throw new Error(`Unknown unit: ${source ? to : from}.`);
    if (source.kind !== target.kind) throw new Error(`Cannot convert ${source.kind} (${from}) to ${target.kind} (${to}).`);
    result = (value * source.toBase) / target.toBase;
  }
  return { value, from, to, result: Math.round(result * 1_000) / 1_000 };
}

// The model picks from these; listed with the most asked-for first, "to" in another order than "from".
const FROM_UNITS = ['km', 'kg', 'C', 'm', 'l', 'mi', 'lb', 'F', 'ft', 'gal'];
const TO_UNITS = ['mi', 'lb', 'F', 'ft', 'gal', 'km', 'kg', 'C', 'm', 'l'];

/** Tickets "created" in this browser (the demo has no tracker): numbered on from 1042. */
let nextTicket = 1042;

/**
 * The chat page's client tools: the model calls them, the browser runs them. The converter runs at once; a ticket
 * is created only after the user approves the card (`needsApproval`).
 */
export const demoTools: ChatTools = {
  convert_units: {
    description: 'Convert a quantity between units of length, mass, volume or temperature.',
    parameters: {
      type: 'object',
      properties: {
        value: { type: 'number', description: 'The quantity to convert.' },
        from: { type: 'string', enum: FROM_UNITS, description: 'The unit it is in.' },
        to: { type: 'string', enum: TO_UNITS, description: 'The unit to convert to.' },
      },
      required: ['value', 'from', 'to'],
      additionalProperties: false,
    },
    execute: (input: Conversion) => convertUnits(input),
  },
  create_ticket: {
    description: "Create a ticket in the team's tracker. Asks the user first.",
    parameters: {
      type: 'object',
      properties: {
        title: { type: 'string', description: 'What needs doing, in one line.' },
        priority: { type: 'string', enum: ['normal', 'high', 'low'] },
      },
      required: ['title', 'priority'],
      additionalProperties: false,
    },
    needsApproval: true,
    execute: (input: { title: string; priority: string }) => ({ id: `TCK-${nextTicket++}`, title: input.title, priority: input.priority, status: 'open' }),
  },
};
