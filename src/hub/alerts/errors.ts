/** Typed errors of the alert services. */
import { HubError } from '../errors.js';
import { ALERT_TYPE_INFO, type AlertType } from './alert-types.js';

/** The trader tried to turn off an alert that can only be silenced (crashes). */
export class AlertLockedError extends HubError {
  override name = 'AlertLockedError';
  constructor(readonly alertType: AlertType) {
    super(
      `${alertType} alerts cannot be turned off`,
      `${ALERT_TYPE_INFO[alertType].label} alerts can't be turned off — only silenced, so you always learn that an agent stopped.`,
    );
  }
}

export class UnknownAlertTypeError extends HubError {
  override name = 'UnknownAlertTypeError';
  constructor(readonly alertType: string) {
    super(`unknown alert type "${alertType}"`, `There is no alert type "${alertType}". Send /alerts to see them.`);
  }
}
