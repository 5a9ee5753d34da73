import type { ArgSpec, ArgSpecs } from './args.js';

/** A usage line generated from the declaration: `weather [location] days:<int 1..7> unit:<c|f>`. */
export function generatedUsage(name: string, args: ArgSpecs): string {
  const parts = [name];
  for (const [key, spec] of Object.entries(args)) parts.push(describeArg(key, spec));
  return parts.join(' ');
}

function describeArg(key: string, spec: ArgSpec): string {
  const shape = spec.choices ? spec.choices.join('|') : spec.range ? `${spec.type} ${spec.range[0]}..${spec.range[1]}` : spec.type;
  const inner = spec.positional || spec.greedy ? `${key}${spec.greedy ? '…' : ''}` : `${key}:<${shape}>`;
  return spec.required ? `<${inner}>` : `[${inner}]`;
}
