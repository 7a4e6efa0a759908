// Pure: which usable IP a sender's new mail leaves by. Weighted rendezvous hashing (highest random
// weight, Thaler & Ravishankar 1998; the weighted form of Schindelhauer & Schomaker 2005): each
// (sender, IP) pair gets a fixed pseudo-random score scaled by the IP's weight and the highest wins.
// A sender keeps its IP while that IP stays usable, and when one IP leaves or returns only the
// senders whose choice it was (or becomes) move: sticky per sender, spread by weight.
import { createHash } from 'node:crypto';

export interface WeightedIp {
  ip: string;
  /** Weight in use: configured weight × weight share; 0 or less is never chosen. */
  effectiveWeight: number;
}

/** A uniform value in (0, 1) fixed by the sender and the IP. */
function unitHash(sender: string, ip: string): number {
  const digest = createHash('sha256').update(sender).update('\0').update(ip).digest();
  // 52 bits: exact in a double; +0.5 keeps the value off 0 and 1, where the logarithm breaks.
  const high = digest.readUInt32BE(0) >>> 12;
  const low = digest.readUInt32BE(4);
  return (high * 2 ** 32 + low + 0.5) / 2 ** 52;
}

/** The IP with the highest weighted score for the sender, or null when none has weight. */
export function chooseIp<T extends WeightedIp>(sender: string, ips: readonly T[]): T | null {
  let best: T | null = null;
  let bestScore = -Infinity;
  for (const candidate of ips) {
    if (!(candidate.effectiveWeight > 0)) continue;
    // -w / ln(u) is distributed so that each IP wins with probability w / Σw.
    const score = -candidate.effectiveWeight / Math.log(unitHash(sender, candidate.ip));
    if (score > bestScore || (score === bestScore && best !== null && candidate.ip < best.ip)) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
