// Wilson score interval for a binomial proportion: how sure we are of a rate given its volume.
// Unlike the normal approximation it behaves at rates near zero and small volumes, which is
// exactly where complaint rates live (a few per thousand).

// Acklam's coefficients.
const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability out of (0, 1): ${p}`);
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export interface RateInterval {
  rate: number;
  lower: number;
  upper: number;
}

// An evaluation pass asks for the same confidence a few hundred thousand times.
let lastConfidence = Number.NaN;
let lastZ = Number.NaN;
/** The normal quantile of a two-sided interval at `confidence`. */
export function zFor(confidence: number): number {
  if (confidence !== lastConfidence) {
    lastZ = normalQuantile(1 - (1 - confidence) / 2);
    lastConfidence = confidence;
  }
  return lastZ;
}

/** The two-sided Wilson interval of `events` out of `trials` at `confidence` (e.g. 0.95). */
export function wilsonInterval(events: number, trials: number, confidence: number): RateInterval {
  if (trials <= 0) return { rate: 0, lower: 0, upper: 1 };
  const observed = Math.min(events, trials);
  const z = zFor(confidence);
  const p = observed / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return {
    rate: p,
    lower: Math.max(0, (centre - margin) / denominator),
    upper: Math.min(1, (centre + margin) / denominator),
  };
}
