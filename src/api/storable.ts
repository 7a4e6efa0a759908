// Request values as PostgreSQL stores them: every route builds its text, timestamp and integer
// fields from these, so a value the database would refuse is a 400 naming the field, not a 500.
import { z } from '@hono/zod-openapi';

/** PostgreSQL `integer` (int4) bounds. */
export const int4Max = 2_147_483_647;

// PostgreSQL text cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00", SQLSTATE
// 22021), whatever the column; JSON can carry it as \u0000 and a URL as %00.
const withoutNul = /^[^\u0000]*$/;

/** Text that fits a `text` column: any string without a NUL character. Chain .min()/.max() on it. */
export const storableText = z.string().regex(withoutNul, 'must not contain a NUL character (U+0000)');

/**
 * An ISO 8601 date-time with offset whose instant falls in the years 1 to 9999 (UTC): PostgreSQL
 * refuses year 0 (22008), and JavaScript writes a year past 9999 as "+010000-…", which it cannot read.
 */
export const storableTimestamp = z.iso
  .datetime({ offset: true })
  .refine((text) => {
    const year = new Date(text).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, 'must fall between the years 1 and 9999 (UTC)');

/** A non-negative integer that fits an `integer` column. */
export const storableCount = z.number().int().min(0).max(int4Max);

/**
 * A row id from the path or query: bigserial columns read in number mode, so at most
 * Number.MAX_SAFE_INTEGER (zod's .int() refuses anything larger), which int8 always holds.
 */
export const storableId = z.coerce.number().int().positive();
