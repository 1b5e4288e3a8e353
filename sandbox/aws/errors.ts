/**
 * An AWS error the SDK turns into its named exception class through `__type`.
 *
 * The status defaults to 400 because the API reference lists every Secrets Manager client error, not-found
 * included, with "HTTP Status Code: 400". (Other emulators answer ResourceNotFoundException with 404; the
 * SDK still maps it by `__type`, but code that branches on the status would pass there and fail on AWS.)
 */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** "The parameter name or value is invalid." */
export function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

/** "A parameter value is not valid for the current state of the resource." */
export function invalidRequest(message: string): AwsError {
  return new AwsError('InvalidRequestException', message);
}

/** "Secrets Manager can't find the resource that you asked for." */
export function resourceNotFound(message: string): AwsError {
  return new AwsError('ResourceNotFoundException', message);
}

/** "A resource with the ID you requested already exists." */
export function resourceExists(message: string): AwsError {
  return new AwsError('ResourceExistsException', message);
}
