export { decodeFlags, intString, nonEmpty, usageError, runFailed, writablePath } from './args.js';
export type { CliError, RunFailed, UsageError } from './args.js';
export { measureJson } from '@optimpact/study';
