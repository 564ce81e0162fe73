/**
 * Typed errors of chart images. Each says in its `userMessage` what the trader can do; the bot
 * shows it as it is.
 */
import { HubError } from '../errors.js';

export abstract class ChartError extends HubError {}

/** The renderer failed on this chart (a bug, or the worker died); `cause` is the worker's error. */
export class ChartRenderError extends ChartError {
  override name = 'ChartRenderError';
  constructor(reason: string) {
    super(`chart rendering failed: ${reason}`, 'The chart could not be drawn this time. Please try again in a moment.');
  }
}

/** The worker took longer than the render timeout; it was restarted. */
export class ChartTimeoutError extends ChartError {
  override name = 'ChartTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`chart rendering took longer than ${timeoutMs} ms`, 'Drawing the chart took too long. Please try again in a moment.');
  }
}

/** Too many charts are waiting to be drawn. */
export class ChartsBusyError extends ChartError {
  override name = 'ChartsBusyError';
  constructor(readonly waiting: number) {
    super(`${waiting} charts are waiting to be drawn`, 'Many charts are being drawn right now. Please try again in a few seconds.');
  }
}

/** The hub is stopping. */
export class ChartsClosedError extends ChartError {
  override name = 'ChartsClosedError';
  constructor() {
    super('the chart renderer is closed', 'The server is restarting; try again in a minute.');
  }
}

/** There is nothing to draw (no candles yet, no closed trade). */
export class NothingToChartError extends ChartError {
  override name = 'NothingToChartError';
}
