/**
 * Statistical fair-value strategies (mean-reversion family): linear-regression channel and a
 * Kalman-filter fair value. Both fade the close's deviation from the model in σ units.
 */
import { barsParam, defineStrategy, explained, fmt, noMovement, realParam } from '../define-strategy.js';
import { kalmanFairValue, regressionChannel } from '../indicators.js';
import { SlidingWindow } from '../sliding-window.js';

/**
 * Linear-regression channel: least-squares line over the last `lookback` closes; fades the
 * close's residual in residual σ: on the 2σ channel edge gives ∓0.5, 4σ gives ∓1.
 */
export const linearRegressionChannel = defineStrategy({
  name: 'linear_regression_channel',
  label: 'Linear-regression channel',
  description: "Fades the close's residual from a regression line over the lookback: 2σ gives ∓0.5.",
  family: 'mean_reversion',
  params: { lookback: barsParam(50, 5, 500, 'bars in the regression window') },
  warmUp: (p) => p.lookback,
  createState(p) {
    const closes = new SlidingWindow<number>(p.lookback);
    return {
      update: (candle) => closes.push(candle.close),
      read() {
        const fit = regressionChannel(closes.items);
        if (!fit) return { signal: 0, reason: 'regression not ready' };
        const last = closes.back(0);
        if (!(fit.residualStd > 0)) {
          return fit.slope === 0 ? noMovement() : explained(0, () => `close ${fmt(last)} exactly on the regression line`);
        }
        const z = (last - fit.fitted) / fit.residualStd;
        return explained(
          -z / 4,
          () => `close ${fmt(last)} is ${fmt(z, 3)}σ from regression line ${fmt(fit.fitted)} (slope ${fmt(fit.slope)}/bar)`,
        );
      },
    };
  },
});

/**
 * Kalman fair value: a local-level Kalman filter over the last `lookback` closes with noise
 * estimated from the data; fades the last close's innovation in σ units: 2σ gives ∓0.5.
 */
export const kalmanFairValueStrategy = defineStrategy({
  name: 'kalman_fair_value',
  label: 'Kalman fair value',
  description: "Fades the close's deviation from a Kalman-filtered fair value, in σ: 2σ gives ∓0.5.",
  family: 'mean_reversion',
  params: {
    lookback: barsParam(50, 5, 500, 'bars the filter runs over'),
    processRatio: realParam(0.1, 0.001, 10, 'process/measurement noise ratio; higher follows price faster'),
  },
  warmUp: (p) => p.lookback,
  createState(p) {
    const closes = new SlidingWindow<number>(p.lookback);
    return {
      update: (candle) => closes.push(candle.close),
      read() {
        const kf = kalmanFairValue(closes.items, p.processRatio);
        if (!kf) return { signal: 0, reason: 'filter not ready' };
        if (!(kf.innovationStd > 0)) return noMovement();
        const last = closes.back(0);
        const z = kf.innovation / kf.innovationStd;
        return explained(-z / 4, () => `close ${fmt(last)} is ${fmt(z, 3)}σ from Kalman fair value ${fmt(kf.priorLevel)}`);
      },
    };
  },
});
