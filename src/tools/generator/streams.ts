/** Labels of the independent random streams (see random.ts: one stream per concern). */
export const STREAM_POPULATION = 1;
export const STREAM_USERS = 2;
export const STREAM_SALES = 3;
export const STREAM_HARD_CASES = 4;
