/**
 * What a secret value must look like, and how it is shown: the checks shared by every way a value
 * comes in (`set`, `stage`), and the mask that is all `list` ever reveals.
 */
import { ValidationError } from '../errors.js';
import { isSecretName, SECRET_LABELS } from './secret-names.js';

/** `••••abcd`; values too short to hide anything show no characters at all. */
export function maskSecret(hint: string): string {
  return `••••${hint}`;
}

/** The stored hint of a value: its last four characters, or nothing for a short one. */
export function hintOf(value: string): string {
  return value.length >= 12 ? value.slice(-4) : '';
}

/** Checks shared by every way in: printable, no spaces inside, sane length. */
export function validateSecretValue(name: string, raw: string): string {
  const value = raw.trim();
  const label = isSecretName(name) ? SECRET_LABELS[name] : name;
  if (value.length < 8)
    throw new ValidationError('value', `That is too short to be a ${label} (at least 8 characters). Send the key again, or /cancel.`);
  if (value.length > 512)
    throw new ValidationError('value', `That is too long for a ${label} (at most 512 characters). Send the key again, or /cancel.`);
  if (/\s/.test(value)) throw new ValidationError('value', `A ${label} has no spaces or line breaks. Send only the key, or /cancel.`);
  if (!/^[\x21-\x7e]+$/.test(value))
    throw new ValidationError('value', `A ${label} contains only plain ASCII characters. Send the key again, or /cancel.`);
  return value;
}
