import type { Response } from 'express';
import type { ServedPoints } from '../read-plan';

/** Response headers naming what a read served, so that a job can log it. */
const VERSION_HEADER = 'X-Dataset-Version';
const DIGEST_HEADER = 'X-Dataset-Digest';

/** The two headers, as the OpenAPI document describes them. */
export const SERVED_HEADERS = {
  [VERSION_HEADER]: { description: 'The version served (`live` for the live points).', schema: { type: 'string' } },
  [DIGEST_HEADER]: { description: "The version's content digest, `sha256:<hex>` (not for the live points).", schema: { type: 'string' } },
};

export function setServedHeaders(response: Response, served: ServedPoints): void {
  response.setHeader(VERSION_HEADER, String(served.version));
  if (served.digest) response.setHeader(DIGEST_HEADER, served.digest);
}
