interface DockerErrorShape {
  readonly statusCode?: number;
  readonly json?: { readonly message?: string } | null;
  readonly message?: string;
}

/** A non-2xx answer of the Engine API: its status and the engine's own JSON body, if any. */
export class EngineApiError extends Error implements DockerErrorShape {
  constructor(
    readonly statusCode: number,
    readonly json: { readonly message?: string } | null,
    message: string,
  ) {
    super(message);
    this.name = 'EngineApiError';
  }
}

/** The engine's own message from an API or connection error, without stack or request details. */
export function engineMessage(error: unknown): string {
  const shape = error as DockerErrorShape;
  return (shape.json?.message ?? shape.message ?? String(error)).trim();
}

/** The HTTP status of an API error, if it came from the engine (connection errors have none). */
export function statusOf(error: unknown): number | undefined {
  return (error as DockerErrorShape).statusCode;
}
