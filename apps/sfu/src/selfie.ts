import type { ServiceError } from '@tooncast/shared';

/**
 * Optional upload-time face check. The engine's selfie analysis runs in the inference worker when the session
 * starts and reports `selfie-no-face` (or what else is wrong) then; a deployment that wants the answer at upload
 * passes a check here (the sfu itself loads no models by default).
 */
export type SelfieFaceCheck = (bytes: Buffer) => Promise<ServiceError | undefined>;
export const acceptAnySelfieFace: SelfieFaceCheck = async () => undefined;
