// The InputError a synchronous call throws; any other outcome fails the test.
import { InputError } from '../../pipelines/errors.js';

export function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}
