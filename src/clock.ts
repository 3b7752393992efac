/** Where "now" comes from. Every rule takes `now` as a parameter; only the shell asks a Clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand, so time-dependent behaviour is deterministic. */
export class FakeClock implements Clock {
  private ms: number;
  constructor(start: Date | string = '2026-01-05T09:00:00.000Z') {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  set(to: Date | string): void {
    this.ms = new Date(to).getTime();
  }
  advance(ms: number): Date {
    this.ms += ms;
    return this.now();
  }
}
