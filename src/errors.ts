// Domain errors carry a machine-readable code; the API error handler maps them to a status.
export class WardenError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends WardenError {
  constructor(message: string) {
    super('E_NOT_FOUND', message, 404);
  }
}

export class ConflictError extends WardenError {
  constructor(message: string) {
    super('E_CONFLICT', message, 409);
  }
}
