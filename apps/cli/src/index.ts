export { parseFlags, decodeFlags, intString, usageError } from './args.js';
export type { UsageError } from './args.js';
export { loadEnvironment, DEFAULT_ENV } from './environment.js';
export { measure, measureJson } from './commands/measure.js';
