interface DockerErrorShape {
  readonly statusCode?: number;
  readonly json?: { readonly message?: string } | null;
  readonly message?: string;
}

/** The engine's own message from a dockerode error, without stack or request details. */
export function engineMessage(error: unknown): string {
  const shape = error as DockerErrorShape;
  return (shape.json?.message ?? shape.message ?? String(error)).trim();
}

/** The HTTP status of a dockerode error, if it came from the engine. */
export function statusOf(error: unknown): number | undefined {
  return (error as DockerErrorShape).statusCode;
}
