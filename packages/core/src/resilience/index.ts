export {
  type ConcurrencyLimit,
  concurrencyLimit,
  RequestBudget,
  type RequestBudgetOptions,
} from './budget.ts';
export {
  type Outcome,
  type RetryInfo,
  type RetryPolicy,
  type RetryPolicyOptions,
  retryPolicy,
} from './retry.ts';
export { MAX_RETRY_AFTER, parseRetryAfter } from './retry-after.ts';
export {
  checkRetryOptions,
  type RetryOptions,
  type RetryOptionsInput,
  retryOptionsSchema,
} from './retry-options.ts';
export { advancingSleep, type Sleep, type TimeSeams, timerSleep } from './sleep.ts';
