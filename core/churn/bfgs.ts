// The optimiser shared by the maximum-likelihood fits (BG/NBD in fit.ts, Gamma-Gamma in gamma-gamma.ts):
// BFGS on log-parameters with a strong-Wolfe line search (Nocedal & Wright, Numerical Optimization, 2nd ed.,
// algorithms 3.5, 3.6 and 6.1) and Hager & Zhang's approximate Wolfe conditions near the optimum, and the
// observed information at the optimum (central differences of the exact gradient) with its inverse.
// Deterministic: no randomness; the only restart is resetting the BFGS matrix to the identity after a
// failed line search.

/** The objective at θ: its value (+Infinity where it is not finite) and its gradient. */
export interface ObjectiveValue {
  readonly f: number;
  readonly g: readonly number[];
}

export interface MinimizeOptions {
  /** Convergence: max_j |∂f/∂θ_j| <= gradientTolerance. */
  readonly gradientTolerance: number;
  /** Iterations before giving up (stopReason 'max-iterations'). */
  readonly maxIterations: number;
  /** Prefix of the error thrown when f is not finite at the start, e.g. 'fitBgNbd'. */
  readonly label: string;
}

export type StopReason = 'gradient' | 'boundary' | 'stalled' | 'line-search' | 'max-iterations';

export interface MinimizeResult {
  readonly theta: number[];
  readonly f: number;
  readonly g: number[];
  readonly iterations: number;
  readonly functionEvaluations: number;
  /**
   * 'gradient' (converged); 'boundary' (some |θ_j| > 12 ln 10: a parameter left [1e-12, 1e12], the
   * objective still improving towards the edge of the parameter space); 'stalled' (less than 1e-10
   * relative improvement over 20 iterations, typically a flat ridge); 'line-search' (no descent step
   * found even along the gradient: the optimum to rounding precision); or 'max-iterations'.
   */
  readonly stopReason: StopReason;
  /** max_j |∂f/∂θ_j| at `theta`. */
  readonly gradientNorm: number;
}

interface Evaluation {
  readonly theta: number[];
  readonly f: number;
  readonly g: number[];
}

export function dot(u: readonly number[], v: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += (u[i] as number) * (v[i] as number);
  return s;
}

export function maxAbs(v: readonly number[]): number {
  let m = 0;
  for (const value of v) m = Math.max(m, Math.abs(value));
  return m;
}

/**
 * Minimizes `objective` (normally a negative mean log-likelihood in log-parameters θ) from `start` by
 * BFGS. Throws RangeError when f is not finite at the start.
 */
export function minimizeBfgs(
  objective: (theta: readonly number[]) => ObjectiveValue,
  start: readonly number[],
  options: MinimizeOptions,
): MinimizeResult {
  const { gradientTolerance, maxIterations } = options;
  const n = start.length;
  let evaluations = 0;
  const evaluate = (theta: number[]): Evaluation => {
    evaluations++;
    const { f, g } = objective(theta);
    return { theta, f, g: [...g] };
  };

  let current = evaluate([...start]);
  if (!Number.isFinite(current.f)) {
    throw new RangeError(`${options.label}: the log-likelihood is not finite at the starting point`);
  }
  let H = scaledIdentity(n, 1);
  let freshH = true;
  let iterations = 0;
  let stopReason: StopReason = 'max-iterations';
  const history: number[] = [current.f];
  while (iterations < maxIterations) {
    if (maxAbs(current.g) <= gradientTolerance) {
      stopReason = 'gradient';
      break;
    }
    if (maxAbs(current.theta) > MAX_LOG_PARAMETER) {
      stopReason = 'boundary';
      break;
    }
    const past = history[history.length - 1 - STALL_WINDOW];
    if (past !== undefined && past - current.f <= STALL_TOLERANCE * Math.max(1, Math.abs(current.f))) {
      stopReason = 'stalled';
      break;
    }
    iterations++;
    let direction = matVec(H, current.g).map((v) => -v);
    let slope = dot(direction, current.g);
    if (!(slope < 0)) {
      H = scaledIdentity(n, 1);
      freshH = true;
      direction = current.g.map((v) => -v);
      slope = dot(direction, current.g);
    }
    // Keep the first trial step within e^±4 per parameter (a fresh, identity H has no sense of scale) and
    // any step within e^±10.
    const longest = maxAbs(direction);
    const firstStep = longest > 4 ? 4 / longest : 1;
    const maxStep = Math.max(firstStep, 10 / longest);
    const next = strongWolfeLineSearch(current, direction, slope, firstStep, maxStep, evaluate);
    if (next === null) {
      if (freshH) {
        stopReason = 'line-search'; // even steepest descent cannot make progress
        break;
      }
      H = scaledIdentity(n, 1);
      freshH = true;
      continue;
    }
    const s = next.theta.map((v, i) => v - (current.theta[i] as number));
    const y = next.g.map((v, i) => v - (current.g[i] as number));
    const sy = dot(s, y);
    if (sy > 1e-14 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (freshH) H = scaledIdentity(n, sy / dot(y, y)); // Nocedal & Wright (6.20)
      H = bfgsUpdate(H, s, y, sy);
      freshH = false;
    }
    current = next;
    history.push(current.f);
  }
  if (stopReason === 'max-iterations' && maxAbs(current.g) <= gradientTolerance) stopReason = 'gradient';
  return {
    theta: current.theta,
    f: current.f,
    g: current.g,
    iterations,
    functionEvaluations: evaluations,
    stopReason,
    gradientNorm: maxAbs(current.g),
  };
}

type Matrix = number[][];

function scaledIdentity(n: number, scale: number): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? scale : 0)));
}

function matVec(M: Matrix, v: readonly number[]): number[] {
  return M.map((row) => dot(row, v));
}

/** H+ = (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ, ρ = 1/(yᵀs). */
function bfgsUpdate(H: Matrix, s: readonly number[], y: readonly number[], sy: number): Matrix {
  const rho = 1 / sy;
  const Hy = matVec(H, y);
  const yHy = dot(y, Hy);
  const n = s.length;
  const out: Matrix = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) {
      const si = s[i] as number;
      const sj = s[j] as number;
      row.push((H[i]?.[j] as number) - rho * ((Hy[i] as number) * sj + si * (Hy[j] as number)) + (rho * rho * yHy + rho) * si * sj);
    }
    out.push(row);
  }
  return out;
}

const C1 = 1e-4;
const C2 = 0.9;
/** Relative rounding noise allowed in the objective by the approximate Wolfe conditions. */
const F_NOISE = 1e-10;
/** |ln θ| beyond which the fit stops as running off to the boundary (θ outside [1e-12, 1e12]). */
const MAX_LOG_PARAMETER = 12 * Math.LN10;
const STALL_WINDOW = 20;
const STALL_TOLERANCE = 1e-10;

/**
 * Strong-Wolfe line search along `direction` from `start` (slope = directional derivative < 0). Returns
 * the accepted point, or null when no step satisfying sufficient decrease was found.
 */
function strongWolfeLineSearch(
  start: Evaluation,
  direction: readonly number[],
  slope: number,
  firstStep: number,
  maxStep: number,
  evaluate: (theta: number[]) => Evaluation,
): Evaluation | null {
  const at = (step: number) => evaluate(start.theta.map((v, i) => v + step * (direction[i] as number)));
  const derivative = (e: Evaluation) => dot(e.g, direction);

  let previousStep = 0;
  let previous = start;
  let step = firstStep;
  for (let i = 0; i < 30; i++) {
    const trial = at(step);
    if (approximatelyWolfe(trial, derivative(trial), start, slope)) return trial;
    if (!sufficient(trial, step, start, slope) || (i > 0 && trial.f >= previous.f)) {
      return zoom(start, slope, previousStep, previous, step, trial, at, derivative);
    }
    const d = derivative(trial);
    if (Math.abs(d) <= -C2 * slope) return trial;
    if (d >= 0) return zoom(start, slope, step, trial, previousStep, previous, at, derivative);
    if (step >= maxStep) return trial; // sufficient decrease, still descending: take the longest step
    previousStep = step;
    previous = trial;
    step = Math.min(2 * step, maxStep);
  }
  return previousStep > 0 ? previous : null;
}

function zoom(
  start: Evaluation,
  slope: number,
  loStep: number,
  lo: Evaluation,
  hiStep: number,
  hi: Evaluation,
  at: (step: number) => Evaluation,
  derivative: (e: Evaluation) => number,
): Evaluation | null {
  let lowStep = loStep;
  let low = lo;
  let highStep = hiStep;
  let high = hi;
  for (let i = 0; i < 40; i++) {
    const width = highStep - lowStep;
    // Quadratic through f(lo), f'(lo), f(hi), safeguarded into the middle 80% of the bracket.
    let step = lowStep + width / 2;
    if (Number.isFinite(high.f)) {
      const dLow = derivative(low);
      const denominator = 2 * (high.f - low.f - dLow * width);
      if (denominator > 0) step = lowStep - (dLow * width * width) / denominator;
    }
    const lower = Math.min(lowStep, highStep) + 0.1 * Math.abs(width);
    const upper = Math.max(lowStep, highStep) - 0.1 * Math.abs(width);
    if (!(step >= lower && step <= upper)) step = lowStep + width / 2;
    const trial = at(step);
    if (approximatelyWolfe(trial, derivative(trial), start, slope)) return trial;
    if (!sufficient(trial, step, start, slope) || trial.f >= low.f) {
      highStep = step;
      high = trial;
    } else {
      const d = derivative(trial);
      if (Math.abs(d) <= -C2 * slope) return trial;
      if (d * (highStep - lowStep) >= 0) {
        highStep = lowStep;
        high = low;
      }
      lowStep = step;
      low = trial;
    }
    if (Math.abs(highStep - lowStep) <= 1e-12 * Math.max(1, Math.abs(lowStep))) break;
  }
  // The bracket collapsed without meeting the curvature condition: accept the best sufficient-decrease
  // point, if any (the BFGS update is then skipped unless sᵀy > 0).
  return lowStep > 0 ? low : null;
}

function sufficient(e: Evaluation, step: number, start: Evaluation, slope: number): boolean {
  return Number.isFinite(e.f) && e.f <= start.f + C1 * step * slope;
}

/**
 * Hager & Zhang's (2005) approximate Wolfe conditions: close to the optimum the decrease in f drops below
 * its rounding error (f is a mean of up to 1e5+ terms) while the directional derivative is still accurate,
 * so also accept a step where f has not risen beyond that noise and (2·C1 - 1)·f'(0) >= f'(step) >= C2·f'(0).
 */
function approximatelyWolfe(e: Evaluation, d: number, start: Evaluation, slope: number): boolean {
  return Number.isFinite(e.f) && e.f <= start.f + F_NOISE * Math.abs(start.f) && d <= (2 * C1 - 1) * slope && d >= C2 * slope;
}

// ---------------------------------------------------------------------------------------------------------
// Observed information
// ---------------------------------------------------------------------------------------------------------

/** Step in θ of the central differences of the gradient. */
const HESSIAN_STEP = 1e-5;

/**
 * Observed information -∂²ℓ/∂θ∂θᵀ at θ from the exact gradient of the total log-likelihood ℓ: central
 * differences (step 1e-5 in θ), symmetrized.
 */
export function observedInformation(gradient: (theta: readonly number[]) => readonly number[], theta: readonly number[]): number[][] {
  const n = theta.length;
  const h = HESSIAN_STEP;
  const columns: number[][] = [];
  for (let j = 0; j < n; j++) {
    const plus = [...theta];
    const minus = [...theta];
    plus[j] = (plus[j] as number) + h;
    minus[j] = (minus[j] as number) - h;
    const gp = gradient(plus);
    const gm = gradient(minus);
    columns.push(gp.map((v, i) => -(v - (gm[i] as number)) / (2 * h)));
  }
  const indices = Array.from({ length: n }, (_, i) => i);
  return indices.map((i) => indices.map((j) => ((columns[j]?.[i] as number) + (columns[i]?.[j] as number)) / 2));
}

/** Inverse through the Cholesky factorization; null if the matrix is not positive definite. */
export function invertSymmetricPositiveDefinite(A: number[][]): number[][] | null {
  const n = A.length;
  const L: number[][] = A.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[i]?.[j] as number;
      for (let k = 0; k < j; k++) sum -= (L[i]?.[k] as number) * (L[j]?.[k] as number);
      if (i === j) {
        if (!(sum > 0)) return null;
        (L[i] as number[])[i] = Math.sqrt(sum);
      } else {
        (L[i] as number[])[j] = sum / (L[j]?.[j] as number);
      }
    }
  }
  // Solve L Lᵀ X = I column by column.
  const inverse: number[][] = A.map(() => new Array<number>(n).fill(0));
  for (let col = 0; col < n; col++) {
    const y = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let sum = i === col ? 1 : 0;
      for (let k = 0; k < i; k++) sum -= (L[i]?.[k] as number) * (y[k] as number);
      y[i] = sum / (L[i]?.[i] as number);
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = y[i] as number;
      for (let k = i + 1; k < n; k++) sum -= (L[k]?.[i] as number) * ((inverse[k] as number[])[col] as number);
      (inverse[i] as number[])[col] = sum / (L[i]?.[i] as number);
    }
  }
  return inverse;
}
