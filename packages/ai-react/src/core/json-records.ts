/** A JSON object (not an array, not null): what the parts reducer and the tool loop read untrusted fields from. */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
