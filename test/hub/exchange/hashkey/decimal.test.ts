import { describe, expect, it } from 'vitest';
import { compareDecimal, floorToStep, InvalidDecimalError, isZero, toDecimalString } from '../../../../src/hub/exchange/hashkey/decimal.js';

describe('decimal helpers', () => {
  it('prints numbers without exponent notation', () => {
    expect(toDecimalString(1.5e-7)).toBe('0.00000015');
    expect(toDecimalString(1e21)).toBe('1000000000000000000000');
    expect(toDecimalString(2.5e22)).toBe('25000000000000000000000');
    expect(toDecimalString('2.500')).toBe('2.5');
    expect(toDecimalString(3)).toBe('3');
    expect(toDecimalString('0.0')).toBe('0');
  });

  it('floors to a step exactly where floats would not', () => {
    expect(0.3 / 0.1).toBeLessThan(3); // the float trap this module exists for
    expect(floorToStep(0.3, '0.1')).toBe('0.3');
    expect(floorToStep('0.123456789', '0.00001')).toBe('0.12345');
    expect(floorToStep(60000.129, '0.01')).toBe('60000.12');
    expect(floorToStep(7, '5')).toBe('5');
    expect(floorToStep(0.000004, '0.00001')).toBe('0');
    expect(floorToStep('1.23', undefined)).toBe('1.23');
    expect(floorToStep('1.23', '0')).toBe('1.23');
  });

  it('compares exactly', () => {
    expect(compareDecimal('0.00001', 0.00001)).toBe(0);
    expect(compareDecimal('0.1', '0.10000001')).toBe(-1);
    expect(compareDecimal(2, '1.99999999999')).toBe(1);
    expect(isZero('0.000')).toBe(true);
    expect(isZero('0.001')).toBe(false);
  });

  it('refuses negatives, NaN and junk', () => {
    expect(() => toDecimalString(-1)).toThrow(InvalidDecimalError);
    expect(() => toDecimalString(Number.NaN)).toThrow(InvalidDecimalError);
    expect(() => toDecimalString('1e5')).toThrow(InvalidDecimalError);
    expect(() => floorToStep('abc', '0.1')).toThrow(InvalidDecimalError);
  });
});
