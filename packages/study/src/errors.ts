/** A mistake in what the user gave (flag, config, environment): reported as one line, exit code 2, nothing written. */
export interface UsageError {
  readonly _tag: 'UsageError';
  readonly message: string;
}

export const usageError = (message: string): UsageError => ({ _tag: 'UsageError', message });
