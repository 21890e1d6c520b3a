import { describe, expect, it } from 'vitest';
import {
  digamma,
  exprel,
  gamma,
  hyp2f1,
  logBeta,
  logGamma,
  logSumExp,
  regularizedIncompleteBeta,
} from '../../../core/churn/special-functions.ts';

// Reference values below were computed with mpmath 1.3.0 at 40 significant digits from the double-precision
// inputs (the decimal literal rounded to double first, which matters close to z = 1) and rounded to double.

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
}

describe('logGamma', () => {
  const reference: [number, number][] = [
    [1e-8, 18.42068073818021],
    [0.243, 1.3180435846996699],
    [0.5, 0.5723649429247001],
    [0.793, 0.1588713302863652],
    [1.5, -0.12078223763524522],
    [2.426, 0.23400811688731613],
    [7.3, 7.147892523022249],
    [33.25, 82.42923834590904],
    [200.25, 859.257780222549],
    [1e6, 12815504.569147611],
    [-0.5, 1.2655121234846454],
    [-2.7, -0.07140708531564588],
  ];

  it.each(reference)('ln|Γ(%s)| matches mpmath to 1e-13 (absolute, or relative when large)', (x, expected) => {
    expect(Math.abs(logGamma(x) - expected) / Math.max(1, Math.abs(expected))).toBeLessThan(1e-13);
  });

  it('is exactly 0 at 1 and 2 to rounding, +Infinity at the poles, and matches factorials', () => {
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-15);
    expect(Math.abs(logGamma(2))).toBeLessThan(1e-15);
    expect(logGamma(0)).toBe(Number.POSITIVE_INFINITY);
    expect(logGamma(-3)).toBe(Number.POSITIVE_INFINITY);
    let factorial = 1;
    for (let n = 1; n <= 20; n++) {
      factorial *= n;
      expect(relativeError(gamma(n + 1), factorial)).toBeLessThan(1e-13);
    }
  });

  it('satisfies the recurrence ln Γ(x+1) = ln Γ(x) + ln x across the Lanczos/shift boundary', () => {
    for (const x of [0.01, 0.3, 0.49, 0.5, 0.51, 3.3, 17.5, 150.1]) {
      expect(Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x))).toBeLessThan(1e-13 * Math.max(1, logGamma(x + 1)));
    }
  });

  it('gives the sign of Γ through gamma() for negative arguments', () => {
    expect(gamma(-0.5)).toBeCloseTo(-2 * Math.sqrt(Math.PI), 13);
    expect(gamma(-1.5)).toBeCloseTo((4 / 3) * Math.sqrt(Math.PI), 13);
    expect(gamma(-2)).toBeNaN();
  });
});

describe('digamma', () => {
  const reference: [number, number][] = [
    [1e-8, -100000000.57721564],
    [0.243, -4.351093864423211],
    [1, -0.5772156649015329],
    [2.426, 0.6662079149687962],
    [9.99, 2.250700372831201],
    [10, 2.251752589066721],
    [250.5, 5.521461584527047],
    [-0.5, 0.03648997397857652],
    [-2.7, -1.115347129140687],
  ];

  it.each(reference)('ψ(%s) matches mpmath to 1e-14 (absolute, or relative when large)', (x, expected) => {
    expect(Math.abs(digamma(x) - expected) / Math.max(1, Math.abs(expected))).toBeLessThan(1e-14);
  });

  it('vanishes at its positive root and is the derivative of ln Γ', () => {
    expect(Math.abs(digamma(1.4616321449683622))).toBeLessThan(1e-15);
    for (const x of [0.3, 2.5, 40]) {
      const h = 1e-5;
      expect(digamma(x)).toBeCloseTo((logGamma(x + h) - logGamma(x - h)) / (2 * h), 8);
    }
  });
});

describe('logBeta, logSumExp, exprel', () => {
  it('ln B(a,b) agrees with closed forms', () => {
    expect(logBeta(1, 1)).toBeCloseTo(0, 15);
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14);
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 14);
  });

  it('log-sum-exp does not overflow', () => {
    expect(logSumExp(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logSumExp(-1000, 0)).toBe(0);
    expect(logSumExp(Number.NEGATIVE_INFINITY, 3)).toBe(3);
  });

  it('exprel is continuous through 0', () => {
    expect(exprel(0)).toBe(1);
    expect(exprel(1e-6)).toBeCloseTo(Math.expm1(1e-6) / 1e-6, 15);
    expect(exprel(1e-4)).toBeCloseTo(Math.expm1(1e-4) / 1e-4, 15);
    expect(exprel(-3)).toBeCloseTo(Math.expm1(-3) / -3, 15);
  });
});

describe('regularizedIncompleteBeta', () => {
  const reference: [number, number, number, number][] = [
    [0.5, 2, 3, 0.6875],
    [0.1, 0.243, 50, 0.9996355968537736],
    [0.9, 10, 0.243, 0.06428183082528557],
    [0.8983, 40, 0.243, 0.0011094072350435204],
    [0.999, 300, 0.3, 0.2731576905216294],
  ];

  it.each(reference)('I_%s(%s, %s) matches mpmath to 1e-13', (x, a, b, expected) => {
    expect(relativeError(regularizedIncompleteBeta(x, a, b), expected)).toBeLessThan(1e-13);
  });

  it('I_x(1,1) = x, the symmetry I_x(a,b) = 1 - I_(1-x)(b,a), and the end points', () => {
    expect(regularizedIncompleteBeta(0.37, 1, 1)).toBeCloseTo(0.37, 15);
    expect(regularizedIncompleteBeta(0.3, 2.5, 0.7) + regularizedIncompleteBeta(0.7, 0.7, 2.5)).toBeCloseTo(1, 14);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    expect(() => regularizedIncompleteBeta(1.5, 2, 3)).toThrow(RangeError);
  });
});

describe('hyp2f1', () => {
  it('2F1(1,1;2;z) = -ln(1-z)/z, including negative z (Pfaff) and z close to 1 (A&S 15.3.10)', () => {
    for (const z of [-50, -5, -1, -0.5, -1e-3, 1e-6, 0.3, 0.5, 0.89, 0.9, 0.91, 0.97, 0.99, 0.999, 0.9999, 1 - 1e-6, 1 - 1e-10]) {
      expect(relativeError(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-13);
    }
  });

  it('2F1(a,b;b;z) = (1-z)^-a', () => {
    for (const [a, b, z] of [
      [0.5, 2, 0.3],
      [3.2, 1.7, 0.95],
      [-1.5, 0.4, 0.9],
      [2.2, 0.7, -3],
    ] as const) {
      expect(relativeError(hyp2f1(a, b, b, z), (1 - z) ** -a)).toBeLessThan(1e-13);
    }
  });

  it('2F1(1/2,1/2;3/2;z²) = arcsin(z)/z and 2F1(1/2,1;3/2;-z²) = arctan(z)/z', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99, 0.999999]) {
      expect(relativeError(hyp2f1(0.5, 0.5, 1.5, z * z), Math.asin(z) / z)).toBeLessThan(1e-13);
    }
    for (const z of [0.1, 1, 3, 30]) {
      expect(relativeError(hyp2f1(0.5, 1, 1.5, -z * z), Math.atan(z) / z)).toBeLessThan(1e-13);
    }
  });

  it('uses Gauss’s theorem at z = 1 and is continuous into it', () => {
    const exact = (gamma(3.7) * gamma(2)) / (gamma(2.8) * gamma(2.9));
    expect(relativeError(hyp2f1(0.9, 0.8, 3.7, 1), exact)).toBeLessThan(1e-13);
    expect(relativeError(hyp2f1(0.9, 0.8, 3.7, 1 - 1e-12), exact)).toBeLessThan(1e-10);
  });

  it('is a polynomial when a or b is a non-positive integer', () => {
    // 2F1(-2, b; c; z) = 1 - 2bz/c + b(b+1)z²/(c(c+1))
    const [b, c, z] = [3, 1.5, 0.7];
    expect(hyp2f1(-2, b, c, z)).toBeCloseTo(1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 14);
    expect(hyp2f1(-2, b, c, 5)).toBeCloseTo(1 - (2 * b * 5) / c + (b * (b + 1) * 25) / (c * (c + 1)), 10);
    expect(hyp2f1(-2, b, -3, 0.5)).toBeCloseTo(1 + (2 * b * 0.5) / 3 + (b * (b + 1) * 0.25) / 6, 14);
  });

  // [a, b, c, z, mpmath value]: general parameters, negative parameters, c - a - b an integer (m = 1, 2)
  // and within 1e-4 of one, the Euler-transformed branch (a + b > c) and the BG/NBD case with x = 200.
  const reference: [number, number, number, number, number][] = [
    [0.243, 2.426, 2.219, 0.8986, 1.939024666044213],
    [0.243, 2.426, 2.219, 0.95, 2.4461866770309917],
    [0.243, 2.426, 2.219, 0.999999, 233.33324907341472],
    [2.243, 4.426, 1.219, 0.5, 102.92498395558793],
    [2.243, 4.426, 1.219, 0.97, 725742328.9023237],
    [2.243, 4.426, 1.219, -5, -0.0006391897321796613],
    [202.243, 204.426, 203.219, 0.47, 1.24419951761488e56],
    [0.3, 0.4, 1.7, 0.95, 1.1190456659083503],
    [0.3, 0.4, 1.7, 0.9999999, 1.1410853055608274],
    [1.5, 2.5, 6.00005, 0.9999999, 3.1042217462678474],
    [0.7, 1.3, 2.00003, 0.95, 2.8974654828734465],
    [0.7, 1.3, 2.00003, 0.99999, 10.082794771918786],
    [-0.3, 0.7, 1.1, 0.97, 0.6769097037713382],
    [-3.5, 2.2, 4.1, 0.999, 0.1391045217055089],
    [-3.5, 2.2, 4.1, -50, 192014.92158753632],
    [5.5, 1.2, 20.3, 0.9999, 1.499336176540091],
    [1.7, -0.2, 0.5, 0.99, -33.56543082689355],
    [0.25, 0.8, 0.05, 0.6, 7.342145724526733],
    [0.25, 0.8, 0.05, -0.6, -0.4465998581910692],
    [1.75, 2.5, 3.5, 0.9, 12.566956960935936],
    [1.75, 2.5, 3.5, 0.91, 13.904791980895595],
  ];

  it.each(reference)('2F1(%s, %s; %s; %s) matches mpmath to 1e-12', (a, b, c, z, expected) => {
    expect(relativeError(hyp2f1(a, b, c, z), expected)).toBeLessThan(1e-12);
  });

  it('is continuous across the z = 0.9 switch to the 1 - z expansion', () => {
    for (const [a, b, c] of [
      [0.243, 2.426, 2.219],
      [1.75, 2.5, 3.5],
      [0.3, 0.4, 1.7],
    ] as const) {
      const below = hyp2f1(a, b, c, 0.9);
      const above = hyp2f1(a, b, c, 0.9 + 1e-12);
      expect(relativeError(above, below)).toBeLessThan(1e-11);
    }
  });

  it('rejects z > 1, a non-positive integer c, divergence at z = 1 and non-finite input', () => {
    expect(() => hyp2f1(1, 1, 2, 1.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 0, 0.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(Number.NaN, 1, 2, 0.5)).toThrow(RangeError);
  });

  it('stops at the iteration guard instead of looping', () => {
    expect(() => hyp2f1(0.5, 0.5, 1.5, 0.89, { maxIterations: 5 })).toThrow(/did not converge/);
  });
});
