const marker = Symbol.for('@presence-tracker/error');

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'PROVIDER_FAILED'
  | 'PROVIDER_AUTH'
  | 'PROVIDER_THROTTLED'
  | 'STORE_FAILED'
  | 'STORE_SCHEMA_TOO_NEW'
  | 'STORE_LOCKED'
  | 'STORE_CLOSED'
  | 'STORE_FENCED'
  | 'STORE_CONFLICT'
  | 'STORE_READ_ONLY'
  | 'STORE_INVALID'
  | 'NOTIFIER_FAILED'
  | 'TRACKER_STATE';

export interface PresenceTrackerErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

/**
 * The base of every error this library throws. `isInstance` works where two copies of the package
 * make `instanceof` fail.
 */
export class PresenceTrackerError extends Error {
  readonly [marker] = true;
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: PresenceTrackerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }

  static isInstance(value: unknown): value is PresenceTrackerError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

/** One problem found in a configuration or in options: the field's path, what came, what was expected. */
export interface ConfigIssue {
  path: string;
  message: string;
  received?: string;
}

export class ConfigError extends PresenceTrackerError {
  readonly issues: ConfigIssue[];

  constructor(message: string, issues: ConfigIssue[] = [], options: PresenceTrackerErrorOptions = {}) {
    const listed = issues.map((i) => `\n  - ${i.path || '(root)'}: ${i.message}`).join('');
    super('CONFIG_INVALID', `${message}${listed}`, options);
    this.issues = issues;
  }

  static override isInstance(value: unknown): value is ConfigError {
    return PresenceTrackerError.isInstance(value) && value.code === 'CONFIG_INVALID';
  }
}

export class ProviderError extends PresenceTrackerError {
  /** The provider's name, e.g. `acme`. */
  readonly provider: string;
  /** The HTTP status of the failing response, when there was one. */
  readonly status: number | undefined;

  constructor(
    provider: string,
    message: string,
    options: PresenceTrackerErrorOptions & {
      status?: number;
      code?: 'PROVIDER_FAILED' | 'PROVIDER_AUTH' | 'PROVIDER_THROTTLED';
    } = {},
  ) {
    super(options.code ?? 'PROVIDER_FAILED', message, options);
    this.provider = provider;
    this.status = options.status;
  }

  static override isInstance(value: unknown): value is ProviderError {
    return PresenceTrackerError.isInstance(value) && value.code.startsWith('PROVIDER_');
  }
}

export class StoreError extends PresenceTrackerError {
  readonly store: string;

  constructor(
    store: string,
    message: string,
    options: PresenceTrackerErrorOptions & {
      code?:
        | 'STORE_FAILED'
        | 'STORE_SCHEMA_TOO_NEW'
        | 'STORE_LOCKED'
        | 'STORE_CLOSED'
        | 'STORE_FENCED'
        | 'STORE_CONFLICT'
        | 'STORE_READ_ONLY'
        | 'STORE_INVALID';
    } = {},
  ) {
    super(options.code ?? 'STORE_FAILED', message, options);
    this.store = store;
  }

  static override isInstance(value: unknown): value is StoreError {
    return PresenceTrackerError.isInstance(value) && value.code.startsWith('STORE_');
  }
}

export class NotifierError extends PresenceTrackerError {
  readonly notifier: string;

  constructor(notifier: string, message: string, options: PresenceTrackerErrorOptions = {}) {
    super('NOTIFIER_FAILED', message, options);
    this.notifier = notifier;
  }

  static override isInstance(value: unknown): value is NotifierError {
    return PresenceTrackerError.isInstance(value) && value.code === 'NOTIFIER_FAILED';
  }
}
