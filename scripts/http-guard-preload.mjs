// Loaded into the Next.js server process by scripts/start.mjs (`node --import`):
// see http-guard.mjs.
import { installHttpGuard } from './http-guard.mjs';

installHttpGuard();
