/** The time port: domain code never reads the system clock itself, so tests and the demo can move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
