/**
 * The rate limiter service on Fastly: one Edge Rate Limiting rate counter for every budget
 * (keys carry their purpose: `batch:…`, `pull:…`). Opened while a request is handled, as the
 * runtime requires; the counter is only a name, so the app cache may keep it.
 */
import { RateCounter } from 'fastly:edge-rate-limiter';
import type { RateLimiter } from '../../core/store/rate-limiter.ts';
import { createRateCounterLimiter } from '../rate-counter-limiter.ts';

export const RATE_COUNTER_NAME = 'trusted_server_rate';

export function openRateLimiter(): RateLimiter {
  return createRateCounterLimiter(new RateCounter(RATE_COUNTER_NAME), RATE_COUNTER_NAME);
}
