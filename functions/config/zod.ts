/**
 * The zod the functions use: zod/mini, whose schemas carry only parse and check methods (the rest are
 * functions, `z.optional(s)` for `s.optional()`), so a bundle holds the parts it calls: 32 KiB of zod instead
 * of 92, less code to compile and less to set up on every cold start. Every function module imports zod from
 * here, so the English messages below are in place before any schema parses.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini loads no locale: without one, every message a schema does not spell out is "Invalid input".
z.config(en());

export * from 'zod/mini';
