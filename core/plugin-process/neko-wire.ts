import type { BusFilter } from '../bus/index.js';
import type { RunExportInput } from '../runs/index.js';

// What N.E.K.O's values become on the JSON channel: a text pattern is not JSON, nor are a binary export's bytes.

export type BusFilterWire = Omit<BusFilter, 'text'> & { text?: string | { source: string; flags: string } | undefined };

export function busFilterToWire(filter: BusFilter | undefined): BusFilterWire | undefined {
  if (!filter) return undefined;
  const { text, ...rest } = filter;
  return text instanceof RegExp ? { ...rest, text: { source: text.source, flags: text.flags } } : { ...rest, ...(text !== undefined ? { text } : {}) };
}

export function busFilterFromWire(wire: BusFilterWire | undefined): BusFilter | undefined {
  if (!wire) return undefined;
  const { text, ...rest } = wire;
  if (text === undefined) return rest;
  return { ...rest, text: typeof text === 'string' ? text : new RegExp(text.source, text.flags) };
}

export type RunExportWire = Exclude<RunExportInput, { type: 'binary' }> | (Omit<Extract<RunExportInput, { type: 'binary' }>, 'data'> & { data: string });

export function exportToWire(item: RunExportInput): RunExportWire {
  return item.type === 'binary' ? { ...item, data: Buffer.from(item.data).toString('base64') } : item;
}

export function exportFromWire(item: RunExportWire): RunExportInput {
  return item.type === 'binary' ? { ...item, data: new Uint8Array(Buffer.from(item.data, 'base64')) } : item;
}
