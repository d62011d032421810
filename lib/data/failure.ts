// An element that could not be made (a map that threw, a corrupt image, a bad CSV row). It travels down the pipeline
// in the element's place, so that the stages above keep going: the consumer's iterator throws its error at that
// position, and ignoreErrors() drops it and counts it instead (tf.data's ignore_errors).

/** Where a failed element came from, for the error message: a file and, for text formats, a row. */
export class DataError extends Error {
  constructor(message: string, readonly file?: string, readonly row?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataError';
  }
}

export class Failure {
  constructor(readonly error: Error) {}
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A pipeline's internal iterator: elements, or failures in their place. */
export type ElementIterator<T> = AsyncIterator<T | Failure, undefined>;
