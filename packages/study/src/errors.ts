/** A mistake in what the user gave (flag, config, environment): reported as one line, exit code 2, nothing written. */
export interface UsageError {
  readonly _tag: 'UsageError';
  readonly message: string;
}

export const usageError = (message: string): UsageError => ({ _tag: 'UsageError', message });

/** A run that failed after it started (a file it could not write, units that failed): one line, exit code 1. */
export interface RunError {
  readonly _tag: 'RunError';
  readonly message: string;
}

export const runError = (message: string): RunError => ({ _tag: 'RunError', message });
