import { loadConfig } from '@tooncast/shared';

export const config = loadConfig();
