// Regularised (L2, "ridge") logistic regression by Newton's method, for the churn-risk weights
// (risk-model.ts). Few features (about ten), many rows: each Newton step is one pass over the rows to build
// the gradient and the Hessian, then a small Cholesky solve (bfgs.ts), so a fit of 100,000 rows takes a few
// passes. The features are standardised inside (mean 0, standard deviation 1) so that one penalty fits
// them all; the intercept is not penalised. The weights come back on the original scale.
//
// Features may be fixed at a given weight (a documented prior, when the history has too few examples to
// learn it): their part of the linear predictor is an offset, and only the others are fitted.
import { invertSymmetricPositiveDefinite } from './bfgs.ts';

export interface LogisticFitOptions {
  /** L2 penalty on the standardised weights (the intercept is free). Default 1. */
  readonly penalty?: number;
  /** Weights not to learn: feature index -> the weight to use. */
  readonly fixed?: ReadonlyMap<number, number>;
  readonly maxIterations?: number;
}

export interface LogisticFit {
  readonly intercept: number;
  /** One per feature, on the features' own scale (fixed ones as given). */
  readonly weights: number[];
  /** Mean of each feature over the rows. */
  readonly means: number[];
  readonly iterations: number;
  readonly converged: boolean;
}

/** 1 / (1 + e^-z), without overflow. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** ln(p / (1 - p)), p clamped to [1e-9, 1 - 1e-9]. */
export function logit(p: number): number {
  const q = Math.min(Math.max(p, 1e-9), 1 - 1e-9);
  return Math.log(q / (1 - q));
}

/**
 * Fits P(label) = sigmoid(intercept + Σ weights·x). `rows[i]` is a feature vector (all the same length),
 * `labels[i]` its outcome.
 */
export function fitLogistic(rows: readonly ArrayLike<number>[], labels: ArrayLike<boolean>, options: LogisticFitOptions = {}): LogisticFit {
  const n = rows.length;
  if (labels.length !== n) throw new RangeError('rows and labels must have the same length');
  if (n === 0) throw new RangeError('there are no rows to fit');
  const k = (rows[0] as ArrayLike<number>).length;
  const penalty = options.penalty ?? 1;
  const fixed = options.fixed ?? new Map<number, number>();
  const free: number[] = [];
  for (let j = 0; j < k; j++) if (!fixed.has(j)) free.push(j);

  const means = new Array<number>(k).fill(0);
  const scales = new Array<number>(k).fill(0);
  for (const row of rows) for (let j = 0; j < k; j++) means[j] = (means[j] as number) + (row[j] as number) / n;
  for (const row of rows) {
    for (let j = 0; j < k; j++) {
      const d = (row[j] as number) - (means[j] as number);
      scales[j] = (scales[j] as number) + (d * d) / n;
    }
  }
  for (let j = 0; j < k; j++) scales[j] = Math.sqrt(scales[j] as number) || 1;

  // The offset of the fixed features, and the standardised free features.
  const m = free.length;
  const offset = new Float64Array(n);
  const z = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as ArrayLike<number>;
    let o = 0;
    for (const [j, w] of fixed) o += w * (row[j] as number);
    offset[i] = o;
    for (let f = 0; f < m; f++) {
      const j = free[f] as number;
      z[i * m + f] = ((row[j] as number) - (means[j] as number)) / (scales[j] as number);
    }
  }

  // theta = [intercept, standardised free weights]; Newton steps with step halving on the penalised deviance.
  const dim = m + 1;
  let theta = new Array<number>(dim).fill(0);
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) positives++;
  const base = Math.min(Math.max(positives / n, 1e-6), 1 - 1e-6);
  theta[0] = Math.log(base / (1 - base));
  const objective = (t: readonly number[]) => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let eta = (t[0] as number) + (offset[i] as number);
      const base = i * m;
      for (let f = 0; f < m; f++) eta += (t[f + 1] as number) * (z[base + f] as number);
      // -log-likelihood, stable: log(1 + e^eta) - y·eta
      loss += (eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta))) - (labels[i] ? eta : 0);
    }
    for (let f = 1; f < dim; f++) loss += 0.5 * penalty * (t[f] as number) ** 2;
    return loss;
  };
  const maxIterations = options.maxIterations ?? 50;
  let current = objective(theta);
  let converged = false;
  let iterations = 0;
  const x = new Float64Array(dim);
  const gradient = new Float64Array(dim);
  const hessian = new Float64Array(dim * dim);
  for (; iterations < maxIterations; iterations++) {
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < n; i++) {
      x[0] = 1;
      let eta = (theta[0] as number) + (offset[i] as number);
      const base = i * m;
      for (let f = 0; f < m; f++) {
        const v = z[base + f] as number;
        x[f + 1] = v;
        eta += (theta[f + 1] as number) * v;
      }
      const p = sigmoid(eta);
      const residual = p - (labels[i] ? 1 : 0);
      const w = p * (1 - p);
      for (let a = 0; a < dim; a++) {
        const xa = x[a] as number;
        gradient[a] = (gradient[a] as number) + residual * xa;
        const wxa = w * xa;
        const row = a * dim;
        for (let b = 0; b <= a; b++) hessian[row + b] = (hessian[row + b] as number) + wxa * (x[b] as number);
      }
    }
    for (let a = 1; a < dim; a++) {
      gradient[a] = (gradient[a] as number) + penalty * (theta[a] as number);
      hessian[a * dim + a] = (hessian[a * dim + a] as number) + penalty;
    }
    hessian[0] = (hessian[0] as number) + 1e-9;
    const matrix: number[][] = [];
    for (let a = 0; a < dim; a++) {
      const row: number[] = [];
      for (let b = 0; b < dim; b++) row.push((a >= b ? hessian[a * dim + b] : hessian[b * dim + a]) as number);
      matrix.push(row);
    }
    const inverse = invertSymmetricPositiveDefinite(matrix);
    if (!inverse) break;
    const step = inverse.map((row) => row.reduce((sum, v, b) => sum + v * (gradient[b] as number), 0));
    // Newton decrement: half of gradient · step estimates how far the objective is above its minimum.
    const decrement = step.reduce((sum, v, a) => sum + v * (gradient[a] as number), 0) / 2;
    if (decrement < 1e-9) {
      converged = true;
      break;
    }
    let scale = 1;
    let next = theta;
    let nextValue = current;
    for (let halvings = 0; halvings < 30; halvings++) {
      const candidate = theta.map((t, a) => t - scale * (step[a] as number));
      const value = objective(candidate);
      if (value <= current + 1e-12) {
        next = candidate;
        nextValue = value;
        break;
      }
      scale /= 2;
    }
    const change = Math.max(...step.map((s) => Math.abs(s * scale)));
    theta = next;
    const improvement = current - nextValue;
    current = nextValue;
    if (change < 1e-8 || improvement < 1e-10 * Math.max(1, Math.abs(current))) {
      converged = true;
      iterations++;
      break;
    }
  }

  // Back to the features' own scale.
  const weights = new Array<number>(k).fill(0);
  let intercept = theta[0] as number;
  for (const [j, w] of fixed) weights[j] = w;
  for (let f = 0; f < m; f++) {
    const j = free[f] as number;
    const w = (theta[f + 1] as number) / (scales[j] as number);
    weights[j] = w;
    intercept -= w * (means[j] as number);
  }
  return { intercept, weights, means, iterations, converged };
}
