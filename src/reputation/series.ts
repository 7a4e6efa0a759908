// Time series of counts for charts: one point per bucket (hour or UTC day) over [from, from +
// count buckets), empty buckets as zeros, with the raw rates of each bucket.
import { zeroCounts, type RollupCounts } from './counts';

export type SeriesBucket = 'hour' | 'day';
export const bucketMs: Record<SeriesBucket, number> = { hour: 3_600_000, day: 86_400_000 };

export interface SeriesPoint extends RollupCounts {
  at: Date;
  /** complaints / sent in the bucket; 0 when nothing was sent. */
  complaintRate: number;
  hardBounceRate: number;
}

/** The start of the bucket holding `at` (UTC). */
export const bucketStart = (at: Date, bucket: SeriesBucket) => new Date(Math.floor(at.getTime() / bucketMs[bucket]) * bucketMs[bucket]);

/** The `count` buckets ending with the one holding `now`: [first, end). */
export function seriesRange(now: Date, bucket: SeriesBucket, count: number): { from: Date; to: Date } {
  const last = bucketStart(now, bucket).getTime();
  return { from: new Date(last - (count - 1) * bucketMs[bucket]), to: new Date(last + bucketMs[bucket]) };
}

const rate = (part: number, sent: number) => (sent > 0 ? part / sent : 0);

export function fillSeries(rows: readonly ({ at: Date } & Partial<RollupCounts>)[], from: Date, count: number, bucket: SeriesBucket): SeriesPoint[] {
  const byStart = new Map<number, RollupCounts>();
  for (const row of rows) {
    const start = bucketStart(row.at, bucket).getTime();
    const counts = byStart.get(start) ?? zeroCounts();
    for (const name of Object.keys(counts) as (keyof RollupCounts)[]) counts[name] += Number(row[name] ?? 0);
    byStart.set(start, counts);
  }
  return Array.from({ length: count }, (_, index) => {
    const at = new Date(from.getTime() + index * bucketMs[bucket]);
    const counts = byStart.get(at.getTime()) ?? zeroCounts();
    return { at, ...counts, complaintRate: rate(counts.complaints, counts.sent), hardBounceRate: rate(counts.hardBounces, counts.sent) };
  });
}
