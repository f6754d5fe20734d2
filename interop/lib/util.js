// Small async helpers shared by the interop tests: an awaitable event queue, timeouts,
// and a time scale for slow runs (valgrind).
import { UNDER_VALGRIND } from './eio-server.js';

/** Multiplier for "something should happen" timeouts (never for "nothing happens" windows). */
export const TIME_SCALE = UNDER_VALGRIND ? 10 : 1;

/** Default wait for an expected event. */
export const EVENT_TIMEOUT = 3000 * TIME_SCALE;

/** Reject with `what` if `promise` does not settle within `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

/** Resolve after ms. Only for windows where the test asserts that nothing happens. */
export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolve with the args of the first `event` emitted by `emitter` (EventEmitter or Emitter). */
export function once(emitter, event, ms = EVENT_TIMEOUT) {
  return withTimeout(new Promise((resolve) => {
    emitter.once(event, (...args) => resolve(args));
  }), ms, `event "${event}"`);
}

/**
 * An awaitable FIFO: producers push(), consumers await next(). Items pushed before
 * anyone waits are kept.
 */
export class Queue {
  constructor(name = 'queue') {
    this.name = name;
    this.items = [];
    this.waiters = [];
  }

  push(item) {
    const w = this.waiters.shift();
    if (w) w(item);
    else this.items.push(item);
  }

  next(ms = EVENT_TIMEOUT) {
    if (this.items.length) return Promise.resolve(this.items.shift());
    let waiter;
    const p = new Promise((resolve) => { waiter = resolve; this.waiters.push(resolve); });
    return withTimeout(p, ms, `next item of ${this.name}`).catch((e) => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) this.waiters.splice(i, 1);
      throw e;
    });
  }

  async take(n, ms = EVENT_TIMEOUT) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await this.next(ms));
    return out;
  }

  get size() {
    return this.items.length;
  }
}
