export { parseFlags, decodeFlags, intString, usageError } from './args.js';
export type { UsageError } from './args.js';
export { measure, measureJson } from './commands/measure.js';
