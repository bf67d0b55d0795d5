import type { ErrorCode, ServiceError } from '@tooncast/shared';

/** An error with a code the web app turns into a message for the user. */
export class ServiceFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  static from(error: ServiceError): ServiceFailure {
    return new ServiceFailure(error.code, error.message);
  }

  toJSON(): ServiceError {
    return { code: this.code, message: this.message };
  }
}

export function isServiceError(value: unknown): value is ServiceError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}
