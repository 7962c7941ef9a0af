import { DirectoryError } from '../../src/core/directory';

/** The DirectoryError a call fails with (the test fails if it does not, or fails otherwise). */
export async function failure(call: Promise<unknown>): Promise<DirectoryError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof DirectoryError) return error;
    throw error;
  }
  throw new Error('expected a DirectoryError');
}
