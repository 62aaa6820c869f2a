import { z } from 'zod';

/** A positive decimal string such as "12.5": money and prices never travel as JSON numbers. */
export const decimalString = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string like "12.5"');

export const positiveInt = (max: number) =>
  z.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`);
